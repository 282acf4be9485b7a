import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { EvaluationContext, JsonValue, Logger, ResolutionDetails } from '@openfeature/core';
import { FlagdCore } from '@openfeature/flagd-core';
import { OpenFeatureEventEmitter, type Provider, ProviderEvents } from '@openfeature/server-sdk';
import { ErrorCode, VisemoError } from '@visemo/core';
import { parse } from 'yaml';

export interface FlagFileProviderOptions {
  /** Reload the file when it changes (checked every `intervalMs`, default 2000). Default true. */
  watch?: boolean;
  intervalMs?: number;
}

/**
 * An OpenFeature provider for flags in a file: flagd's flag definitions
 * (https://flagd.dev/reference/flag-definitions/) written as YAML or JSON, evaluated in-process
 * by flagd's own engine (`@openfeature/flagd-core`: JsonLogic targeting, `fractional` rollouts
 * hashed on the targeting key, `sem_ver`, `starts_with`). No daemon and no network: the file is
 * the source, reloaded when it changes (a `ConfigurationChanged` event), so a rollout moves
 * without a restart. A file that does not parse or fails flagd's schema is refused at start-up;
 * a later bad edit keeps the flags as they were and is reported as a provider error event.
 */
export class FlagFileProvider implements Provider {
  readonly metadata = { name: 'visemo-flag-file' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly core = new FlagdCore();
  private timer: NodeJS.Timeout | null = null;
  /** The file's size and time as last loaded. */
  private loaded: { mtimeMs: number; size: number } | null = null;

  constructor(
    readonly path: string | null,
    private readonly options: FlagFileProviderOptions = {},
    definitions?: unknown,
  ) {
    if (definitions !== undefined) this.load(definitions);
  }

  /** A provider of definitions given in code (tests, benchmarks, an embedding application). */
  static fromDefinitions(definitions: unknown): FlagFileProvider {
    return new FlagFileProvider(null, { watch: false }, definitions);
  }

  async initialize(): Promise<void> {
    const { path } = this;
    if (path === null) return;
    this.loaded = statSync(path);
    this.load(readDefinitions(path));
    if (this.options.watch === false) return;
    // Polled against what was loaded (not against the previous poll), so an edit made between
    // loading and the first poll is not missed.
    this.timer = setInterval(() => void this.reloadIfChanged(path), this.options.intervalMs ?? 2000);
    this.timer.unref();
  }

  async onClose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async reloadIfChanged(path: string): Promise<void> {
    const now = await stat(path).catch(() => null);
    if (!now || (this.loaded && now.mtimeMs === this.loaded.mtimeMs && now.size === this.loaded.size)) return;
    this.loaded = now;
    try {
      const changed = this.load(readDefinitions(path));
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
    } catch (error) {
      this.events.emit(ProviderEvents.Error, { message: (error as Error).message });
    }
  }

  /** The keys of the flags defined now. */
  get flagKeys(): string[] {
    return [...this.core.getFlags().keys()];
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<boolean>> {
    return this.core.resolveBooleanEvaluation(flagKey, defaultValue, context, logger);
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<string>> {
    return this.core.resolveStringEvaluation(flagKey, defaultValue, context, logger);
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<number>> {
    return this.core.resolveNumberEvaluation(flagKey, defaultValue, context, logger);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<T>> {
    return this.core.resolveObjectEvaluation(flagKey, defaultValue, context, logger);
  }

  /** Replaces the definitions; answers the keys that changed. */
  private load(definitions: unknown): string[] {
    try {
      return this.core.setConfigurations(JSON.stringify(definitions));
    } catch (error) {
      throw new VisemoError(
        ErrorCode.FlagsInvalid,
        `flag definitions${this.path ? ` in ${this.path}` : ''} are invalid: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

function readDefinitions(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    // YAML 1.2, of which JSON is a subset.
    return parse(text);
  } catch (error) {
    throw new VisemoError(
      ErrorCode.FlagsInvalid,
      `${path} is not YAML or JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
