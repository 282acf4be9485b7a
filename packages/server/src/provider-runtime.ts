import type { ChatModel, SpeechRecognizer, SpeechSynthesizer } from '@visemo/core';
import type { LlmDialogueEvent } from '@visemo/dialogue';
import {
  ChatFallbackChain,
  type CircuitBreaker,
  createOpenAIChatModel,
  createProviders,
  type HopConfig,
  type ProviderEvent,
  type ProvidersConfig,
} from '@visemo/providers';
import type { ConfiguredAgent } from './configured-agent.js';
import type { HopTimeouts } from './runtime.js';

/** What an agent's providers report: fallbacks, failures, circuit changes, and the model's own turns. */
export type RuntimeEvent = ProviderEvent | LlmDialogueEvent;
export type RuntimeEventListener = (event: RuntimeEvent) => void;

/** The model used when OPENAI_BASE_URL is set but neither VISEMO_LLM_MODEL nor `llm.model` name one. */
export const DEFAULT_ENV_LLM_MODEL = 'llama3.2';

/** Time kept for the embedded provider at the end of a chain (Flite, the grammar recognizer), in ms. */
const EMBEDDED_RESERVE_MS = 1500;

/** Where the agent's language model comes from. */
export interface LlmSource {
  /** The model's name, e.g. `fallback(openai-compatible:llama3.2)`. */
  name: string;
  /** `providers`: agent.yaml's `providers.llm`; `environment`: OPENAI_BASE_URL / VISEMO_LLM_MODEL. */
  source: 'providers' | 'environment';
}

export interface ProviderRuntimeOptions {
  /** The agent with its checked `providers:` section (configured-agent.ts). */
  agent: ConfiguredAgent;
  /** Where OPENAI_BASE_URL, VISEMO_LLM_MODEL and the key variables are read. */
  env: Record<string, string | undefined>;
  timeouts: HopTimeouts;
  /** The warmed embedded synthesizer: the last hop of every speech chain. */
  flite: SpeechSynthesizer;
  /** The agent's grammar recognizer; null without speech input (then no recognizer is built). */
  grammar: SpeechRecognizer | null;
  onEvent: RuntimeEventListener;
}

export interface ProviderRuntime {
  llm: { model: ChatModel; source: LlmSource } | null;
  synthesizer: SpeechSynthesizer;
  /** The voice the synthesizer's first provider speaks by default. */
  voice: string | null;
  recognizer: SpeechRecognizer | null;
  breakers: readonly CircuitBreaker[];
  warnings: string[];
  close(): Promise<void>;
}

/**
 * The one place cloud and self-hosted providers are composed: from the agent's checked
 * `providers:` section and the environment, the language model (a fallback chain), the synthesizer
 * chain ending in the embedded Flite, and the recognizer chain ending in the agent's grammar
 * recognizer, which is given the buffered utterance when a cloud recognizer fails. Hops without a
 * `timeoutMs` get one that leaves the embedded hop time within the session's own hop limit. With
 * nothing configured, the embedded providers are given back as they are.
 */
export function createProviderRuntime(options: ProviderRuntimeOptions): ProviderRuntime {
  const { agent, env } = options;
  const config = agent.providers;
  const warnings: string[] = [];
  const breakers: CircuitBreaker[] = [];

  let synthesizer = options.flite;
  let recognizer = options.grammar;
  let voice: string | null = null;
  let llm: ProviderRuntime['llm'] = null;
  let close = async () => {};

  if (config) {
    const built = createProviders(withChainDefaults(config, options), env, {
      onEvent: options.onEvent,
      embedded: { tts: options.flite, asr: options.grammar ?? undefined },
    });
    breakers.push(...built.breakers);
    close = built.close;
    if (built.tts) {
      synthesizer = built.tts;
      const first = config.tts[0];
      // The chain gives the requested voice to its first hop: it must be a voice of that provider.
      // Flite and eSpeak speak their own default voice when none is named.
      if (first?.type === 'flite' || first?.type === 'espeak') voice = first.voice ?? null;
      else if (first?.type === 'pico') voice = first.voice ?? built.tts.voices[0] ?? null;
      else if (first && first.type !== 'embedded') voice = built.tts.voices[0] ?? null;
    }
    if (built.asr) recognizer = built.asr;
    if (built.llm) llm = { model: built.llm, source: { name: built.llm.name, source: 'providers' } };
  }

  if (!llm) {
    const model = environmentModel(agent, env, options.onEvent);
    if (model) {
      breakers.push(...model.breakers);
      llm = { model, source: { name: model.name, source: 'environment' } };
    }
  }
  if (!llm && agent.spec.llm) {
    warnings.push(
      'the `llm:` settings are not used: no language model is configured (add `providers.llm`, or set OPENAI_BASE_URL)',
    );
  }
  return { llm, synthesizer, voice, recognizer, breakers, warnings, close };
}

/**
 * The model named by the environment, when the agent configures none: OPENAI_BASE_URL (e.g.
 * `http://127.0.0.1:11434/v1` for Ollama) or VISEMO_LLM_MODEL turns it on; the model is
 * VISEMO_LLM_MODEL, else `llm.model`, else `llama3.2`; OPENAI_API_KEY is sent when set.
 */
export function environmentModel(
  agent: Pick<ConfiguredAgent, 'spec'>,
  env: Record<string, string | undefined>,
  onEvent?: RuntimeEventListener,
): ChatFallbackChain | null {
  const baseURL = env.OPENAI_BASE_URL?.trim();
  const named = env.VISEMO_LLM_MODEL?.trim();
  if (!baseURL && !named) return null;
  const model = createOpenAIChatModel({
    model: named || agent.spec.llm?.model || DEFAULT_ENV_LLM_MODEL,
    env: { OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: env.OPENAI_API_KEY },
  });
  // A chain of one: its breaker stops calling a model that keeps failing, and reports it.
  return new ChatFallbackChain([{ provider: model }], { onEvent });
}

/**
 * The chains the runtime needs from the configured ones: the embedded synthesizer (and, with speech
 * input, the grammar recognizer) appended as the last hop when the section leaves them out, and hop
 * timeouts that fit in the session's limit for the hop, with time left for the embedded provider.
 */
function withChainDefaults(config: ProvidersConfig, options: ProviderRuntimeOptions): ProvidersConfig {
  const { timeouts } = options;
  const embeddedTts = (h: { type: string }) => h.type === 'flite' || h.type === 'embedded';
  const tts: HopConfig<'tts'>[] = [...config.tts];
  if (tts.length > 0 && !tts.some(embeddedTts)) tts.push({ type: 'embedded' });
  let asr: HopConfig<'asr'>[] = options.grammar ? [...config.asr] : [];
  if (asr.length > 0 && !asr.some((h) => h.type === 'embedded')) asr.push({ type: 'embedded' });
  asr = asr.filter((h) => h.type !== 'embedded' || options.grammar);

  const share = (total: number, remote: number) => Math.max(200, Math.floor(total / Math.max(1, remote)));
  const remoteTts = tts.filter((h) => !embeddedTts(h)).length;
  const ttsHopMs = share(timeouts.ttsMs - EMBEDDED_RESERVE_MS, remoteTts);
  const remoteAsr = asr.filter((h) => h.type !== 'embedded').length;
  const asrHopMs = share(timeouts.asrMs - EMBEDDED_RESERVE_MS, remoteAsr);
  // The dialogue's own deadline covers a single model; with several, each gets its share.
  const llmHopMs = config.llm.length > 1 ? share(timeouts.dialogueMs - 1000, config.llm.length) : undefined;

  return {
    ...config,
    llm: config.llm.map((h) => ({ ...h, timeoutMs: h.timeoutMs ?? llmHopMs })),
    tts: tts.map((h) => (embeddedTts(h) ? h : { ...h, timeoutMs: h.timeoutMs ?? ttsHopMs })),
    asr: asr.map((h) => (h.type === 'embedded' ? h : { ...h, timeoutMs: h.timeoutMs ?? asrHopMs })),
  };
}
