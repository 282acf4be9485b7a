import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NOOP_PROVIDER, OpenFeature, type Provider } from '@openfeature/server-sdk';
import type { SessionFeatures } from '@visemo/core';
import { FlagFileProvider } from './flag-file-provider.js';

/**
 * The avatar capabilities behind flags, each with its value when no flag says otherwise (what
 * Visemo does without flags). The page honours `renderer3d`, `expressions` and `handsFree`; the
 * server `llmFallback` (a session without it is answered by the agent's own dialogue alone) and
 * `memory` (what the agent remembers of a person across sessions, with their consent).
 */
export const FEATURE_DEFAULTS = {
  renderer3d: true,
  expressions: true,
  handsFree: true,
  llmFallback: true,
  memory: true,
} as const satisfies SessionFeatures;

export type FeatureName = keyof typeof FEATURE_DEFAULTS;
export type Features = Record<FeatureName, boolean>;

/** Who a session is for, as flag rules see it (the OpenFeature evaluation context). */
export interface SessionContext {
  /**
   * What percentage rollouts hash: the subject's pseudonym (the token's `sub`), so one person
   * gets the same variant in every session; the session id when there is no token.
   */
  targetingKey: string;
  /** The agent's name. */
  agent: string;
  /** The persona's language, e.g. `en-US`. */
  language: string;
  /** `known` (the site named its user), `anonymous` (a token without one) or `none` (no token). */
  subject: 'known' | 'anonymous' | 'none';
  /** The page's origin, when a browser connected. */
  origin?: string;
}

/** One flag as a session got it. */
export interface FlagOutcome {
  value: boolean;
  /** The variant the rules chose (e.g. `enabled`), absent when the default applied. */
  variant?: string;
  /** OpenFeature's reason: `STATIC`, `TARGETING_MATCH`, `DEFAULT`, `ERROR` … */
  reason: string;
}

/** What a session runs with: its features, and how each was decided (kept with the session). */
export interface SessionFlagState {
  features: Features;
  flags: Record<FeatureName, FlagOutcome>;
}

export interface SessionFlagsOptions {
  /** Any OpenFeature server provider; default: a `FlagFileProvider` of `file`, or none. */
  provider?: Provider;
  /** A flagd definitions file (YAML or JSON). */
  file?: string;
}

/**
 * The feature flags of one server, through OpenFeature: evaluated once per session as it starts,
 * with the session's context. The provider is bound to a domain of this instance's own, so
 * several servers in one process (tests) and an application's own OpenFeature use do not meet.
 */
export class SessionFlags {
  private readonly domain = `visemo-${randomUUID()}`;
  private readonly client;

  private constructor(readonly providerName: string) {
    this.client = OpenFeature.getClient(this.domain);
  }

  /** Binds the provider and waits for it to be ready; a broken flags file fails here. */
  static async open(options: SessionFlagsOptions = {}): Promise<SessionFlags> {
    const provider = options.provider ?? (options.file ? new FlagFileProvider(options.file) : NOOP_PROVIDER);
    const flags = new SessionFlags(provider.metadata.name);
    await OpenFeature.setProviderAndWait(flags.domain, provider);
    return flags;
  }

  /** Every feature for one session. A flag that fails to evaluate keeps its default. */
  async evaluate(context: SessionContext): Promise<SessionFlagState> {
    const evaluationContext = { ...context };
    const names = Object.keys(FEATURE_DEFAULTS) as FeatureName[];
    const details = await Promise.all(
      names.map((name) => this.client.getBooleanDetails(name, FEATURE_DEFAULTS[name], evaluationContext)),
    );
    const features = {} as Features;
    const flags = {} as Record<FeatureName, FlagOutcome>;
    names.forEach((name, i) => {
      const detail = details[i];
      const value = detail?.value ?? FEATURE_DEFAULTS[name];
      features[name] = value;
      flags[name] = {
        value,
        reason: detail?.reason ?? 'DEFAULT',
        ...(detail?.variant !== undefined ? { variant: detail.variant } : {}),
      };
    });
    return { features, flags };
  }

  /** Unbinds the provider (closing it). */
  async close(): Promise<void> {
    await OpenFeature.setProviderAndWait(this.domain, NOOP_PROVIDER);
  }
}

/**
 * The flags file a server uses: VISEMO_FLAGS when set, else `flags.yaml` (or `flags.json`) in the
 * agent's folder when there is one; null without any.
 */
export function flagsFileFor(agentDir: string, env: Record<string, string | undefined>): string | null {
  const named = env.VISEMO_FLAGS?.trim();
  if (named) return named;
  for (const name of ['flags.yaml', 'flags.yml', 'flags.json']) {
    const path = join(agentDir, name);
    if (existsSync(path)) return path;
  }
  return null;
}
