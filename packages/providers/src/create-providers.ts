import type { ChatModel, SpeechRecognizer, SpeechSynthesizer } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import { type HopConfig, hopApiKey, missingKeys, type ProvidersConfig } from './config.js';
import { hopDefinition } from './registry.js';
import { CircuitBreaker } from './reliability/circuit-breaker.js';
import type { ProviderEventListener, ProviderKind } from './reliability/events.js';
import {
  ChatFallbackChain,
  type FallbackHop,
  RecognitionFallbackChain,
  SynthesisFallbackChain,
} from './reliability/fallback.js';
import { RetryingChatModel, RetryingSynthesizer, type RetryOptions } from './reliability/retry.js';
import type { HopContext, ProviderOf } from './vendor.js';

export interface CreateProvidersOptions {
  onEvent?: ProviderEventListener;
  /** Providers for `type: embedded` hops, built by the caller (e.g. the agent's grammar recognizer). */
  embedded?: { tts?: SpeechSynthesizer; asr?: SpeechRecognizer };
}

/** The fallback chains an agent's `providers:` section describes; a kind with no hops is absent. */
export interface Providers {
  llm?: ChatModel;
  tts?: SpeechSynthesizer;
  asr?: SpeechRecognizer;
  /** Every breaker, one per provider, for health reporting. */
  breakers: CircuitBreaker[];
  /** Releases what embedded providers hold (Flite's workers). */
  close(): Promise<void>;
}

/**
 * Builds the providers of a validated config (`checkProviders`) with keys from an environment
 * (`process.env` in the server): each hop by its vendor's factory (registry.ts), remote ones
 * retried, every one behind its own circuit breaker, each kind a fallback chain in the listed order.
 * A required key that is not set is an `agent_invalid` error that names the variable, never a value.
 */
export function createProviders(
  config: ProvidersConfig,
  env: Record<string, string | undefined> = process.env,
  options: CreateProvidersOptions = {},
): Providers {
  const [missing] = missingKeys(config, env);
  if (missing) throw new VisemoError(ErrorCode.AgentInvalid, missing.message);
  const breakers: CircuitBreaker[] = [];
  const closers: (() => Promise<void>)[] = [];
  const retry: RetryOptions = { ...config.retry, onEvent: options.onEvent };
  const context = (apiKey: string | undefined): HopContext => ({
    apiKey,
    env,
    embedded: options.embedded ?? {},
    onClose: (release) => closers.push(release),
  });
  const build = <K extends ProviderKind>(
    kind: K,
    hops: readonly HopConfig<K>[],
    retried: (provider: ProviderOf[K]) => ProviderOf[K],
  ): FallbackHop<ProviderOf[K]>[] =>
    hops.map((hop) => {
      const definition = hopDefinition(kind, hop.type);
      const built = definition.create(hop, context(hopApiKey(kind, hop, env)?.value));
      const provider = definition.local ? built : retried(built);
      const breaker = new CircuitBreaker({ provider: provider.name, ...config.circuitBreaker });
      breakers.push(breaker);
      return { provider, timeoutMs: hop.timeoutMs, breaker };
    });

  const llm = build('llm', config.llm, (model) => new RetryingChatModel(model, retry));
  const tts = build('tts', config.tts, (synthesizer) => new RetryingSynthesizer(synthesizer, retry));
  // A recognition stream cannot be asked again: the chain replays the audio to the next hop instead.
  const asr = build('asr', config.asr, (recognizer) => recognizer);

  const chainOptions = { onEvent: options.onEvent };
  return {
    llm: llm.length ? new ChatFallbackChain(llm, chainOptions) : undefined,
    tts: tts.length ? new SynthesisFallbackChain(tts, chainOptions) : undefined,
    asr: asr.length ? new RecognitionFallbackChain(asr, chainOptions) : undefined,
    breakers,
    close: async () => {
      await Promise.all(closers.map((c) => c()));
    },
  };
}
