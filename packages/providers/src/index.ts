// The WAVE reader and writer are `@visemo/speech`'s, under the names this package has always used.
export { readWav as decodeWav, writeWav as encodeWav } from '@visemo/speech';
export { decodeAudio, decodePcm16, type EncodedAudioFormat } from './audio/decode.js';
export { type AzureSpeechConfig, AzureSpeechSynthesizer, ssml } from './azure/speech.js';
export {
  checkProviders,
  type HopConfig,
  type HopConfigInput,
  hopApiKey,
  missingKeys,
  type ProvidersCheck,
  type ProvidersConfig,
  type ProvidersConfigInput,
  ProvidersConfigSchema,
  type ProvidersIssue,
} from './config.js';
export { type CreateProvidersOptions, createProviders, type Providers } from './create-providers.js';
export { type DeepgramConfig, DeepgramRecognizer } from './deepgram/live.js';
export {
  type CharacterAlignment,
  phonesFromCharacters,
  timingsFromCharacters,
  wordsFromCharacters,
} from './elevenlabs/characters.js';
export { type ElevenLabsConfig, ElevenLabsSynthesizer } from './elevenlabs/synthesizer.js';
export { ProviderError, type ProviderErrorDetails, redact } from './errors.js';
export { parseRetryAfter } from './http/retry-after.js';
export { parseSse, type SseEvent } from './http/sse.js';
export {
  type AzureOpenAIChatConfig,
  createAzureOpenAIChatModel,
  createOpenAIChatModel,
  type OpenAIChatConfig,
  OpenAICompatibleChatModel,
} from './openai/chat.js';
export {
  type AzureOpenAIConfig,
  OPENAI_DEFAULT_BASE_URL,
  type OpenAICompatibleConfig,
  resolveOpenAIEndpoint,
} from './openai/config.js';
export {
  type OpenAISpeechConfig,
  type OpenAISpeechFormat,
  OpenAISpeechSynthesizer,
} from './openai/speech.js';
export { type OpenAITranscriptionConfig, OpenAITranscriptionRecognizer } from './openai/transcription.js';
export { hopDefinition, hopDefinitions, VENDORS } from './registry.js';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitReport,
  type CircuitState,
} from './reliability/circuit-breaker.js';
export {
  emit,
  type ProviderEvent,
  type ProviderEventListener,
  type ProviderKind,
  type ProviderUsage,
} from './reliability/events.js';
export {
  ChatFallbackChain,
  FallbackChain,
  type FallbackChainOptions,
  type FallbackHop,
  RecognitionFallbackChain,
  SynthesisFallbackChain,
} from './reliability/fallback.js';
export {
  isRetryable,
  RetryingChatModel,
  RetryingSynthesizer,
  type RetryOptions,
  retryDelay,
  withRetry,
} from './reliability/retry.js';
export {
  estimatedTiming,
  forcedAlignmentTiming,
  sharedForcedAligner,
  type TextAligner,
  type TimingSource,
  type Timings,
} from './timing/timing.js';
export {
  type ApiKeySource,
  defineHop,
  type HopContext,
  type HopDefinition,
  type HopSchema,
  type ProviderOf,
  type Vendor,
} from './vendor.js';
