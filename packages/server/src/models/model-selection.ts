import {
  type AgentSpec,
  ErrorCode,
  type IntentClassifier,
  MODEL_KINDS,
  type ModelKind,
  type ModelsSpec,
  VisemoError,
} from '@visemo/core';
import type { ModelPromotion, ModelRegistry, ModelVersion } from '@visemo/storage';
import type { AgentRuntime } from '../runtime.js';
import {
  type ArtifactDescription,
  agentArtifacts,
  type HashableNlu,
  type NluTraining,
  nluArtifact,
  nluFromTraining,
} from './agent-artifacts.js';

/** The registry operations a server needs (`Storage.models`). */
export type RegistryStore = Pick<
  ModelRegistry,
  'register' | 'list' | 'get' | 'history' | 'promoted' | 'promote' | 'rollback'
>;

/** Which version of each artifact kind a session runs with. */
export interface RunningVersion {
  version: number;
  name: string;
  contentHash: string;
}

/** The models one new session gets. */
export interface SessionModels {
  nlu: IntentClassifier;
  /** The voice the session speaks with by default. */
  voice: string;
  versions: Partial<Record<ModelKind, RunningVersion>>;
}

export interface ModelSelectionOptions {
  registry: RegistryStore;
  /** The id the agent's models are registered under (its folder's name). */
  agent: string;
  spec: AgentSpec;
  runtime: AgentRuntime;
  /** How often promotions made elsewhere (`visemo models` on PostgreSQL) are looked for. Default 2 s; 0: never. */
  pollMs?: number;
  /** Trains an NLU model from stored training data; default `createNlu` on the agent's spec. */
  trainNlu?: (training: NluTraining) => HashableNlu;
  /** Things an operator should know: a promoted version this process cannot run, and why. */
  onWarning?: (message: string) => void;
}

/** A kind's artifact as this process can run it. */
interface Loaded {
  version: ModelVersion;
  /** The trained model of an `nlu` artifact. */
  nlu?: HashableNlu;
}

/**
 * The model versions new sessions run with. At start-up every artifact the agent is made of is
 * registered by its content hash (a new hash is a new version, promoted when `models.promote` is
 * `auto`); then, per kind, the pinned version (`models.pin` in agent.yaml) or else the promoted
 * one is made ready: an NLU version is trained again from its stored training data and checked
 * against its hash, a voice is chosen among the synthesizer's voices. A kind whose promoted
 * version this process did not build (a grammar, a provider model) keeps the one it runs and
 * says so: it changes at the next start. `current()` is synchronous, for a session about to
 * start; a promotion through `promote`/`rollback` applies before they return, one made elsewhere
 * within `pollMs`.
 */
export class ModelSelection {
  private loaded = new Map<ModelKind, Loaded>();
  private readonly running: Map<ModelKind, ArtifactDescription>;
  private readonly nluByHash = new Map<string, HashableNlu>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private readonly warned = new Set<string>();

  private constructor(
    private readonly options: ModelSelectionOptions,
    artifacts: ArtifactDescription[],
  ) {
    this.running = new Map(artifacts.map((a) => [a.kind, a]));
    this.nluByHash.set(this.runningOf('nlu').contentHash, options.runtime.nlu as HashableNlu);
  }

  /** Registers the running agent's artifacts and loads what is promoted or pinned. */
  static async start(options: ModelSelectionOptions): Promise<ModelSelection> {
    const artifacts = agentArtifacts(options.spec, options.runtime);
    const selection = new ModelSelection(options, artifacts);
    const policy: ModelsSpec['promote'] = options.spec.models?.promote ?? 'auto';
    const promoted = await options.registry.promoted(options.agent);
    for (const artifact of artifacts) {
      const { version, created } = await options.registry.register({
        agent: options.agent,
        ...artifact,
        actor: 'system:startup',
      });
      // The first version of a kind is promoted under either policy: sessions need one.
      const first = promoted[artifact.kind] === undefined;
      if (first || (created && policy === 'auto')) {
        await options.registry.promote({
          agent: options.agent,
          kind: artifact.kind,
          version: version.version,
          actor: 'system:startup',
          reason: first ? 'first version' : 'registered by a start-up (models.promote: auto)',
        });
      }
    }
    await selection.refresh();
    const pollMs = options.pollMs ?? 2000;
    if (pollMs > 0) {
      selection.timer = setInterval(() => {
        selection
          .refresh()
          .catch((error: unknown) => selection.warn(`model registry: ${(error as Error).message}`));
      }, pollMs);
      selection.timer.unref();
    }
    return selection;
  }

  get agent(): string {
    return this.options.agent;
  }

  /** The models a session starting now runs with. */
  current(): SessionModels {
    const nlu = this.loaded.get('nlu')?.nlu ?? (this.options.runtime.nlu as HashableNlu);
    const voiceArtifact = this.loaded.get('voice')?.version.artifact;
    const voice =
      typeof voiceArtifact?.voice === 'string' ? voiceArtifact.voice : this.options.runtime.persona.voice;
    const versions: Partial<Record<ModelKind, RunningVersion>> = {};
    for (const [kind, { version }] of this.loaded) {
      versions[kind] = { version: version.version, name: version.name, contentHash: version.contentHash };
    }
    return { nlu, voice, versions };
  }

  /** Reads the promoted versions again and makes ready whatever changed. */
  refresh(): Promise<void> {
    // One at a time: a poll and a promotion must not train the same model twice.
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async list(): Promise<{ versions: ModelVersion[]; history: ModelPromotion[] }> {
    const { registry, agent } = this.options;
    const [versions, history] = await Promise.all([registry.list({ agent }), registry.history(agent)]);
    return { versions, history };
  }

  /**
   * Promotes a version for new sessions. The version is made ready first: one this process cannot
   * run (an NLU model trained by other code, a grammar it did not build) is refused before
   * anything is recorded.
   */
  async promote(kind: ModelKind, version: number, actor: string, reason?: string): Promise<ModelPromotion> {
    const { registry, agent } = this.options;
    const stored = await registry.get(agent, kind, version);
    if (!stored)
      throw new VisemoError(ErrorCode.UnknownModelVersion, `${agent} has no ${kind} version ${version}`);
    await this.prepare(stored, { strict: true });
    const promotion = await registry.promote({ agent, kind, version, actor, ...(reason ? { reason } : {}) });
    await this.refresh();
    return promotion;
  }

  /** Goes back to the version promoted before the current one, for new sessions. */
  async rollback(kind: ModelKind, actor: string, reason?: string): Promise<ModelPromotion> {
    const { registry, agent } = this.options;
    const promotion = await registry.rollback({ agent, kind, actor, ...(reason ? { reason } : {}) });
    await this.refresh();
    return promotion;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async load(): Promise<void> {
    const { registry, agent, spec } = this.options;
    const promoted = await registry.promoted(agent);
    const pins = spec.models?.pin ?? {};
    const next = new Map<ModelKind, Loaded>();
    for (const kind of MODEL_KINDS) {
      const wanted = pins[kind] ?? promoted[kind];
      if (wanted === undefined) continue;
      const held = this.loaded.get(kind);
      if (held && held.version.version === wanted) {
        next.set(kind, held);
        continue;
      }
      const stored = await registry.get(agent, kind, wanted);
      const ready = stored ? await this.prepare(stored, { strict: false }) : null;
      if (ready) next.set(kind, ready);
      else if (held) next.set(kind, held);
      else if (!stored) this.warn(`${agent}: ${kind} version ${wanted} is not in the registry`);
    }
    this.loaded = next;
  }

  /**
   * The NLU of one registered version, trained here from its stored data if this process does not
   * run it (kept by its hash): what a replay in the studio's debugger compares against.
   * `unknown_model_version` when the agent has no such version, `model_unavailable` when it
   * cannot run here.
   */
  async nluOf(version: number): Promise<IntentClassifier> {
    const stored = await this.options.registry.get(this.options.agent, 'nlu', version);
    if (!stored) {
      throw new VisemoError(
        ErrorCode.UnknownModelVersion,
        `${this.options.agent} has no nlu version ${version}`,
      );
    }
    return (await this.prepare(stored, { strict: true }))?.nlu as IntentClassifier;
  }

  /**
   * Makes a stored version runnable here, or says why not: thrown when `strict`, else warned
   * (and null, so the kind keeps what it runs).
   */
  private async prepare(stored: ModelVersion, { strict }: { strict: boolean }): Promise<Loaded | null> {
    const refuse = (why: string): null => {
      const message = `${stored.agent}: ${stored.kind} version ${stored.version} cannot run here: ${why}`;
      if (strict) throw new VisemoError(ErrorCode.ModelUnavailable, message);
      this.warn(message);
      return null;
    };
    const running = this.running.get(stored.kind);
    if (running?.contentHash === stored.contentHash) {
      return stored.kind === 'nlu'
        ? { version: stored, nlu: this.options.runtime.nlu as HashableNlu }
        : { version: stored };
    }
    switch (stored.kind) {
      case 'nlu': {
        const cached = this.nluByHash.get(stored.contentHash);
        if (cached) return { version: stored, nlu: cached };
        const training = stored.artifact.training as unknown as NluTraining | undefined;
        if (!training?.intents) return refuse('it holds no training data');
        const model = this.trainNlu(training);
        // Content-addressed: what was trained here must be what was registered.
        if (nluArtifact(training, model).contentHash !== stored.contentHash) {
          return refuse('training it again here gives another model (other NLU code)');
        }
        this.nluByHash.set(stored.contentHash, model);
        return { version: stored, nlu: model };
      }
      case 'voice': {
        const voice = stored.artifact.voice;
        const synthesizer = this.options.runtime.synthesizer;
        if (stored.artifact.synthesizer !== synthesizer.name || typeof voice !== 'string')
          return refuse(
            `it is a voice of ${String(stored.artifact.synthesizer)}, not of ${synthesizer.name}`,
          );
        if (!synthesizer.voices.includes(voice)) return refuse(`${synthesizer.name} has no voice ${voice}`);
        return { version: stored };
      }
      default:
        return refuse(`this process runs ${running?.name ?? 'none'}; it changes when the server restarts`);
    }
  }

  private trainNlu(training: NluTraining): HashableNlu {
    if (this.options.trainNlu) return this.options.trainNlu(training);
    return nluFromTraining(this.options.spec, training);
  }

  private runningOf(kind: ModelKind): ArtifactDescription {
    return this.running.get(kind) as ArtifactDescription;
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }
}
