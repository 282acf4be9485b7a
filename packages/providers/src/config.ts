import type { ChatModel, SpeechRecognizer, SpeechSynthesizer } from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import { z } from 'zod';
import { AzureSpeechSynthesizer } from './azure/speech.js';
import { DeepgramRecognizer } from './deepgram/live.js';
import { ElevenLabsSynthesizer } from './elevenlabs/synthesizer.js';
import { createAzureOpenAIChatModel, createOpenAIChatModel } from './openai/chat.js';
import { OpenAISpeechSynthesizer } from './openai/speech.js';
import { OpenAITranscriptionRecognizer } from './openai/transcription.js';
import { CircuitBreaker } from './reliability/circuit-breaker.js';
import type { ProviderEventListener } from './reliability/events.js';
import {
  ChatFallbackChain,
  type FallbackHop,
  RecognitionFallbackChain,
  SynthesisFallbackChain,
} from './reliability/fallback.js';
import { RetryingChatModel, RetryingSynthesizer, type RetryOptions } from './reliability/retry.js';

/**
 * The `providers:` section of agent.yaml. Keys are never written in the file: each remote provider
 * names the environment variable that holds its key (`apiKeyEnv`), and objects are strict, so an
 * `apiKey:` field is an error rather than a silently committed secret.
 */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const timeoutMs = z.number().int().positive().max(120_000);
const url = z.url();

const OpenAIChatHop = z.strictObject({
  type: z.literal('openai-compatible'),
  /** Defaults to OPENAI_BASE_URL, then OpenAI. */
  baseURL: url.optional(),
  model: z.string().min(1),
  apiKeyEnv: envName.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  timeoutMs: timeoutMs.optional(),
});

const AzureOpenAIChatHop = z.strictObject({
  type: z.literal('azure-openai'),
  endpoint: url,
  deployment: z.string().min(1),
  apiVersion: z.string().optional(),
  apiKeyEnv: envName.default('AZURE_OPENAI_API_KEY'),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  timeoutMs: timeoutMs.optional(),
});

const OpenAISpeechHop = z.strictObject({
  type: z.literal('openai-compatible'),
  baseURL: url.optional(),
  model: z.string().optional(),
  voice: z.string().optional(),
  responseFormat: z.enum(['pcm', 'wav', 'mp3', 'opus']).optional(),
  speed: z.number().min(0.25).max(4).optional(),
  instructions: z.string().optional(),
  apiKeyEnv: envName.optional(),
  timeoutMs: timeoutMs.optional(),
});

const ElevenLabsHop = z.strictObject({
  type: z.literal('elevenlabs'),
  voiceId: z.string().min(1),
  modelId: z.string().optional(),
  outputFormat: z
    .string()
    .regex(/^(pcm_\d+|mp3_\d+_\d+)$/)
    .optional(),
  languageCode: z.string().optional(),
  baseURL: url.optional(),
  apiKeyEnv: envName.default('ELEVENLABS_API_KEY'),
  timeoutMs: timeoutMs.optional(),
});

const AzureSpeechHop = z
  .strictObject({
    type: z.literal('azure-speech'),
    region: z.string().optional(),
    endpoint: url.optional(),
    voice: z.string().optional(),
    language: z.string().optional(),
    outputFormat: z.string().optional(),
    apiKeyEnv: envName.default('AZURE_SPEECH_KEY'),
    timeoutMs: timeoutMs.optional(),
  })
  .refine((h) => h.region || h.endpoint, { message: 'azure-speech needs a region or an endpoint' });

const FliteHop = z.strictObject({
  type: z.literal('flite'),
  voice: z.enum(['slt', 'rms', 'awb', 'kal']).optional(),
  speed: z.number().min(0.3).max(3).optional(),
  timeoutMs: timeoutMs.optional(),
});

const OpenAITranscriptionHop = z.strictObject({
  type: z.literal('openai-compatible'),
  baseURL: url.optional(),
  model: z.string().optional(),
  language: z.string().optional(),
  prompt: z.string().optional(),
  responseFormat: z.enum(['json', 'verbose_json']).optional(),
  apiKeyEnv: envName.optional(),
  timeoutMs: timeoutMs.optional(),
});

const DeepgramHop = z.strictObject({
  type: z.literal('deepgram'),
  model: z.string().optional(),
  language: z.string().optional(),
  baseURL: url.optional(),
  smartFormat: z.boolean().optional(),
  endpointingMs: z.number().int().nonnegative().optional(),
  keyterms: z.array(z.string()).optional(),
  apiKeyEnv: envName.default('DEEPGRAM_API_KEY'),
  timeoutMs: timeoutMs.optional(),
});

/** A provider the server builds itself (the embedded grammar recognizer needs the agent's domain). */
const EmbeddedHop = z.strictObject({ type: z.literal('embedded'), timeoutMs: timeoutMs.optional() });

export const ProvidersConfigSchema = z.strictObject({
  llm: z.array(z.discriminatedUnion('type', [OpenAIChatHop, AzureOpenAIChatHop])).default([]),
  tts: z.array(z.union([OpenAISpeechHop, ElevenLabsHop, AzureSpeechHop, FliteHop, EmbeddedHop])).default([]),
  asr: z.array(z.discriminatedUnion('type', [OpenAITranscriptionHop, DeepgramHop, EmbeddedHop])).default([]),
  retry: z
    .strictObject({
      retries: z.number().int().min(0).max(5).optional(),
      baseDelayMs: z.number().int().positive().optional(),
      maxDelayMs: z.number().int().positive().optional(),
      maxRetryAfterMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  circuitBreaker: z
    .strictObject({
      failureThreshold: z.number().int().positive().optional(),
      resetAfterMs: z.number().int().positive().optional(),
    })
    .optional(),
});

export type ProvidersConfig = z.infer<typeof ProvidersConfigSchema>;
export type ProvidersConfigInput = z.input<typeof ProvidersConfigSchema>;

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
 * Builds the providers from config and an environment (`process.env` in the server). A missing
 * key variable is an `agent_invalid` error that names the variable, never a value.
 */
export function createProviders(
  input: ProvidersConfigInput | ProvidersConfig,
  env: Record<string, string | undefined> = process.env,
  options: CreateProvidersOptions = {},
): Providers {
  const config = ProvidersConfigSchema.parse(input);
  const breakers: CircuitBreaker[] = [];
  const closers: (() => Promise<void>)[] = [];
  const retry: RetryOptions = { ...config.retry, onEvent: options.onEvent };
  const hop = <P extends { name: string }>(provider: P, timeoutMs: number | undefined): FallbackHop<P> => {
    const breaker = new CircuitBreaker({ provider: provider.name, ...config.circuitBreaker });
    breakers.push(breaker);
    return { provider, timeoutMs, breaker };
  };
  const key = (variable: string | undefined, what: string): string => {
    const value = variable ? env[variable]?.trim() : undefined;
    if (!value)
      throw new VisemoError(
        ErrorCode.AgentInvalid,
        `${what} needs its API key in the environment variable ${variable}`,
      );
    return value;
  };
  const optionalKey = (variable: string | undefined): string | undefined =>
    variable ? env[variable]?.trim() || undefined : undefined;
  const embedded = <P>(provider: P | undefined, kind: string): P => {
    if (!provider)
      throw new VisemoError(
        ErrorCode.AgentInvalid,
        `providers.${kind} lists an embedded provider, but none was given`,
      );
    return provider;
  };

  const llm = config.llm.map((h) => {
    const model =
      h.type === 'azure-openai'
        ? createAzureOpenAIChatModel({
            endpoint: h.endpoint,
            deployment: h.deployment,
            apiVersion: h.apiVersion,
            apiKey: key(h.apiKeyEnv, `azure-openai ${h.deployment}`),
            maxTokensField: h.maxTokensField,
          })
        : createOpenAIChatModel({
            baseURL: h.baseURL,
            model: h.model,
            apiKey: optionalKey(h.apiKeyEnv ?? 'OPENAI_API_KEY'),
            headers: h.headers,
            maxTokensField: h.maxTokensField,
            env: { OPENAI_BASE_URL: env.OPENAI_BASE_URL },
          });
    return hop<ChatModel>(new RetryingChatModel(model, retry), h.timeoutMs);
  });

  const tts = config.tts.map((h) => {
    let synthesizer: SpeechSynthesizer;
    switch (h.type) {
      case 'openai-compatible':
        synthesizer = new OpenAISpeechSynthesizer({
          baseURL: h.baseURL,
          model: h.model,
          voice: h.voice,
          responseFormat: h.responseFormat,
          speed: h.speed,
          instructions: h.instructions,
          apiKey: optionalKey(h.apiKeyEnv ?? 'OPENAI_API_KEY'),
          env: { OPENAI_BASE_URL: env.OPENAI_BASE_URL },
        });
        break;
      case 'elevenlabs':
        synthesizer = new ElevenLabsSynthesizer({
          apiKey: key(h.apiKeyEnv, `elevenlabs voice ${h.voiceId}`),
          voiceId: h.voiceId,
          modelId: h.modelId,
          outputFormat: h.outputFormat,
          languageCode: h.languageCode,
          baseURL: h.baseURL,
        });
        break;
      case 'azure-speech':
        synthesizer = new AzureSpeechSynthesizer({
          apiKey: key(h.apiKeyEnv, 'azure-speech'),
          region: h.region,
          endpoint: h.endpoint,
          voice: h.voice,
          language: h.language,
          outputFormat: h.outputFormat,
        });
        break;
      case 'flite': {
        const flite = new FliteSynthesizer({ defaultVoice: h.voice, speed: h.speed });
        closers.push(() => flite.close());
        synthesizer = flite;
        break;
      }
      case 'embedded':
        return hop(embedded(options.embedded?.tts, 'tts'), h.timeoutMs);
    }
    const remote = h.type !== 'flite';
    return hop<SpeechSynthesizer>(
      remote ? new RetryingSynthesizer(synthesizer, retry) : synthesizer,
      h.timeoutMs,
    );
  });

  const asr = config.asr.map((h) => {
    switch (h.type) {
      case 'openai-compatible':
        return hop<SpeechRecognizer>(
          new OpenAITranscriptionRecognizer({
            baseURL: h.baseURL,
            model: h.model,
            language: h.language,
            prompt: h.prompt,
            responseFormat: h.responseFormat,
            apiKey: optionalKey(h.apiKeyEnv ?? 'OPENAI_API_KEY'),
            env: { OPENAI_BASE_URL: env.OPENAI_BASE_URL },
          }),
          h.timeoutMs,
        );
      case 'deepgram':
        return hop<SpeechRecognizer>(
          new DeepgramRecognizer({
            apiKey: key(h.apiKeyEnv, 'deepgram'),
            model: h.model,
            language: h.language,
            baseURL: h.baseURL,
            smartFormat: h.smartFormat,
            endpointingMs: h.endpointingMs,
            keyterms: h.keyterms,
          }),
          h.timeoutMs,
        );
      default:
        return hop(embedded(options.embedded?.asr, 'asr'), h.timeoutMs);
    }
  });

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
