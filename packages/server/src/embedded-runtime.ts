import { basename, resolve } from 'node:path';
import type { AgentSpec } from '@visemo/core';
import { AgentDialogue, chunkSentences, KnowledgeIndex, LlmDialogue } from '@visemo/dialogue';
import { createNlu, domainPhrases } from '@visemo/nlu';
import type { CircuitBreaker } from '@visemo/providers';
import {
  createDefaultVad,
  type DroppedPhrase,
  FLITE_VOICES,
  FliteSynthesizer,
  GrammarRecognizer,
  type GrammarRecognizerOptions,
  type GrammarSlot,
  loadNoiseSuppression,
  RecognizerThreads,
} from '@visemo/speech';
import { type ConfiguredAgent, loadConfiguredAgent } from './configured-agent.js';
import { fixedReplies, prerenderLeadingSentences } from './prerender.js';
import {
  createProviderRuntime,
  type LlmSource,
  type ProviderRuntime,
  type RuntimeEvent,
  type RuntimeEventListener,
} from './provider-runtime.js';
import { type AgentRuntime, DEFAULT_TIMEOUTS, type HopTimeouts, type Persona } from './runtime.js';
import { DEFAULT_SYNTHESIS_CACHE_BYTES, SynthesisCache } from './synthesis-cache.js';

export interface EmbeddedRuntimeOptions {
  /** Build the speech recognizer (default true); text-only tools skip its start-up cost. */
  speechInput?: boolean;
  /**
   * Speech decoders made ready at start-up, shared out between the recognizer threads when there
   * are any (default 3): as many people can start talking at the same moment without one being
   * created for them (0.1–0.5 s each, about 25 MB).
   */
  warmDecoders?: number;
  /** Decode speech on this many worker threads instead of the event loop (default 0: in-thread). */
  recognizerThreads?: number;
  /**
   * Memory for sentences already synthesized, in bytes (default 32 MiB); 0 synthesizes every
   * sentence anew. See synthesis-cache.ts.
   */
  synthesisCacheBytes?: number;
  /**
   * With the cache and the embedded voice: synthesize the leading sentence of every fixed reply
   * at start-up (prerender.ts), as `visemo serve` does. Default false.
   */
  prerender?: boolean;
  timeouts?: Partial<HopTimeouts>;
  /** Called with a line for each start-up step, for a progress display. */
  onProgress?: (step: string) => void;
  /**
   * Where API keys, OPENAI_BASE_URL, OPENAI_API_KEY and VISEMO_LLM_MODEL are read; `process.env`
   * by default.
   */
  env?: Record<string, string | undefined>;
  /** False: embedded providers only, whatever agent.yaml's `providers:` and the environment say. */
  providers?: boolean;
  /** Provider events: fallbacks, failures, circuit changes, the model's failures and tool calls. */
  onProviderEvent?: RuntimeEventListener;
}

export interface EmbeddedRuntime {
  runtime: AgentRuntime;
  agent: ConfiguredAgent;
  /** Things a person should fix in the agent but that do not stop it, e.g. phrases the recognizer cannot say. */
  warnings: string[];
  /** The language model answering what the agent's own dialogue cannot, or null (embedded only). */
  llm: LlmSource | null;
  /** Subscribes to provider events of every session; returns the unsubscribe function. */
  onProviderEvent(listener: RuntimeEventListener): () => void;
  /** The circuit breaker of every configured provider, for health reporting. */
  breakers: readonly CircuitBreaker[];
  /** Releases what the providers hold (Flite workers of `type: flite` hops). */
  close(): Promise<void>;
}

/**
 * The agent's runtime. By default on embedded providers only: Flite speech, SoundSwallower grammar
 * recognition with a grammar compiled from the agent's own domain, the trained intent classifier,
 * and the agent's dialogue with its knowledge pages — no network, no GPU, no downloads. With a
 * `providers:` section (or OPENAI_BASE_URL in the environment) the configured providers come first
 * and the embedded ones stay as the last hop of each fallback chain (provider-runtime.ts); a
 * language model makes the dialogue an LlmDialogue (docs/llm.md).
 */
export async function createEmbeddedRuntime(
  agentDir: string,
  options: EmbeddedRuntimeOptions = {},
): Promise<EmbeddedRuntime> {
  const progress = options.onProgress ?? (() => {});
  const env = options.env ?? process.env;
  const useProviders = options.providers ?? true;
  progress(`loading the agent in ${agentDir}`);
  const agent = await loadConfiguredAgent(agentDir, { env, providers: useProviders });
  const { spec } = agent;
  const embedded = await createEmbeddedProviders(spec, options, progress);
  const { nlu, recognizer, synthesizer, voice, warnings } = embedded;

  const listeners = new Set<RuntimeEventListener>();
  if (options.onProviderEvent) listeners.add(options.onProviderEvent);
  const onEvent = (event: RuntimeEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not fail a user's turn.
      }
    }
  };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  if (useProviders && (spec.providers || spec.llm)) progress('building the providers');
  const providers: ProviderRuntime | null = useProviders
    ? createProviderRuntime({ agent, env, timeouts, flite: synthesizer, grammar: recognizer, onEvent })
    : null;
  if (providers) warnings.push(...providers.warnings);
  const llm = providers?.llm?.model ?? null;
  // The dialogue's deadline ends the turn with an error; the model must give up before it, so the
  // agent's own answer can still be given.
  const llmTimeoutMs = Math.max(100, Math.min(spec.llm?.timeoutMs ?? 6000, timeouts.dialogueMs - 1000));
  const knowledge = KnowledgeIndex.fromAgent(agent);

  const makeSuppressor = spec.speech.noiseSuppression && recognizer ? await loadNoiseSuppression() : null;
  const cacheBytes = options.synthesisCacheBytes ?? DEFAULT_SYNTHESIS_CACHE_BYTES;
  const speaker = providers?.synthesizer ?? synthesizer;
  const runtime: AgentRuntime = {
    persona: {
      name: spec.persona.name,
      language: spec.persona.language,
      voice: providers?.voice ?? voice,
      ...personaLook(agent.dir, spec.persona.look),
    },
    nlu,
    recognizer: providers?.recognizer ?? recognizer,
    synthesizer: cacheBytes > 0 ? new SynthesisCache(speaker, { maxBytes: cacheBytes }) : speaker,
    llm,
    timeouts,
    afterPhraseMs: spec.speech.endOfTurn.afterPhraseMs,
    bargeIn: spec.speech.bargeIn,
    speakers: spec.speech.speakers,
    unfinishedMs: spec.speech.endOfTurn.unfinishedMs,
    ...(makeSuppressor ? { createNoiseSuppressor: makeSuppressor } : {}),
    createVad: () => createDefaultVad({ hangoverMs: spec.speech.endOfTurn.otherwiseMs }),
    createDialogue: (context, choice) =>
      llm && choice?.llm !== false
        ? new LlmDialogue(agent, {
            model: llm,
            knowledge,
            settings: { timeoutMs: llmTimeoutMs },
            onEvent,
            ...(context ? { context } : {}),
          })
        : new AgentDialogue(agent, { knowledge, ...(context ? { context } : {}) }),
    agent: { id: agentId(agent.dir), privacy: spec.privacy },
    chunkSentences: (deltas) => chunkSentences(deltas),
  };
  // Only the embedded voice: a cloud voice would bill every start-up.
  if (cacheBytes > 0 && speaker === synthesizer && options.prerender) {
    const texts = fixedReplies(spec);
    progress(`synthesizing the opening sentences of ${texts.length} fixed replies`);
    await prerenderLeadingSentences(runtime, texts).catch((error: unknown) => {
      warnings.push(`could not synthesize the fixed replies ahead: ${(error as Error).message}`);
    });
  }
  return {
    runtime,
    agent,
    warnings,
    llm: providers?.llm?.source ?? null,
    onProviderEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    breakers: providers?.breakers ?? [],
    close: async () => {
      await providers?.close();
      await embedded.close();
    },
  };
}

/** The providers that run in this process, built for one agent. */
export interface EmbeddedProviders {
  nlu: ReturnType<typeof createNlu>;
  /** Null without speech input. */
  recognizer: RecognizerThreads | GrammarRecognizer | null;
  synthesizer: FliteSynthesizer;
  /** The persona's voice when Flite has it, else `slt`. */
  voice: string;
  warnings: string[];
  close(): Promise<void>;
}

/**
 * The embedded providers and nothing else: the trained intent classifier, the grammar recognizer
 * compiled from the agent's domain (unless `speechInput` is false) and the warmed Flite voice.
 */
export async function createEmbeddedProviders(
  spec: AgentSpec,
  options: Pick<EmbeddedRuntimeOptions, 'speechInput' | 'warmDecoders' | 'recognizerThreads'> = {},
  progress: (step: string) => void = () => {},
): Promise<EmbeddedProviders> {
  progress(`training intents (${spec.intents.length} intents)`);
  const nlu = createNlu(spec);
  const warnings: string[] = [];

  let recognizer: RecognizerThreads | GrammarRecognizer | null = null;
  if (options.speechInput ?? true) {
    progress('compiling the speech grammar');
    const threads = options.recognizerThreads ?? 0;
    const warm = options.warmDecoders ?? 3;
    const recognizerOptions: GrammarRecognizerOptions = {
      ...agentRecognizerOptions(spec),
      warmDecoders: threads > 0 ? Math.ceil(warm / threads) : warm,
    };
    recognizer =
      threads > 0
        ? await RecognizerThreads.create({ ...recognizerOptions, threads })
        : await GrammarRecognizer.create(recognizerOptions);
    warnings.push(...describeDropped(recognizer.dropped));
  }

  progress('starting the speech synthesizer');
  const voice = FLITE_VOICES.find((v) => v === spec.persona.voice);
  if (!voice) {
    warnings.push(
      `persona.voice "${spec.persona.voice}" is not an embedded voice (${FLITE_VOICES.join(', ')}); using slt`,
    );
  }
  // Two workers: one session's sentence need not wait behind another's on a multi-core host.
  const synthesizer = new FliteSynthesizer({ defaultVoice: voice ?? 'slt', workers: 2 });
  // Compiles the WebAssembly module and readies the voice now rather than in the first turn.
  await synthesizer.prepare();
  return {
    nlu,
    recognizer,
    synthesizer,
    voice: voice ?? 'slt',
    warnings,
    close: async () => {
      await recognizer?.close();
      await synthesizer.close();
    },
  };
}

/**
 * The embedded recognizer's grammar for an agent: its domain's phrases and slots (digit slots of
 * 1–12 digits, number slots of 0–100 unless the entity says), in its language, with recombined
 * paraphrases unless `speech.paraphrases` is false.
 */
export function agentRecognizerOptions(spec: AgentSpec): GrammarRecognizerOptions {
  const domain = domainPhrases(spec);
  const slots: GrammarSlot[] = domain.slots.map((slot) => ({
    name: slot.name,
    kind: slot.kind,
    min: slot.min ?? (slot.kind === 'digits' ? 1 : 0),
    max: slot.max ?? (slot.kind === 'digits' ? 12 : 100),
  }));
  return {
    grammar: { phrases: domain.phrases, slots },
    language: spec.persona.language,
    ...(spec.speech.paraphrases ? {} : { generalize: false as const }),
  };
}

/** The look the page is told, and the agent's model file, from `persona.look`. */
function personaLook(dir: string, look: AgentSpec['persona']['look']): Pick<Persona, 'look' | 'modelFile'> {
  const { model, ...colours } = look;
  return { look: colours, ...(model ? { modelFile: resolve(dir, model) } : {}) };
}

/** One warning per word the recognizer cannot pronounce, naming a few phrases it takes out. */
function describeDropped(dropped: readonly DroppedPhrase[]): string[] {
  const byWord = new Map<string, string[]>();
  for (const d of dropped) {
    for (const word of d.unknownWords.length > 0 ? d.unknownWords : ['']) {
      const phrases = byWord.get(word) ?? [];
      phrases.push(d.phrase);
      byWord.set(word, phrases);
    }
  }
  return [...byWord].map(([word, phrases]) => {
    const what = word ? `cannot pronounce "${word}"` : 'left out';
    const examples = phrases
      .slice(0, 2)
      .map((p) => `"${p}"`)
      .join(', ');
    const more = phrases.length > 2 ? ` and ${phrases.length - 2} more` : '';
    return `the speech recognizer ${what}: ${examples}${more} will only work typed`;
  });
}

/** The id an agent's data is stored under: its folder's name, e.g. `support-agent`. */
export function agentId(dir: string): string {
  return basename(resolve(dir));
}
