export {
  type ConfiguredAgent,
  type ConfiguredAgentOptions,
  loadConfiguredAgent,
} from './configured-agent.js';
export {
  agentRecognizerOptions,
  createEmbeddedProviders,
  createEmbeddedRuntime,
  type EmbeddedProviders,
  type EmbeddedRuntime,
  type EmbeddedRuntimeOptions,
} from './embedded-runtime.js';
export { createServer, type ServerOptions } from './http/server.js';
export { type ClientMessage, parseClientMessage } from './protocol/client-messages.js';
export * from './protocol/limits.js';
export type { ServerEvent, TurnLatency } from './protocol/server-events.js';
export {
  createProviderRuntime,
  DEFAULT_ENV_LLM_MODEL,
  environmentModel,
  type LlmSource,
  type ProviderRuntime,
  type ProviderRuntimeOptions,
  type RuntimeEvent,
  type RuntimeEventListener,
} from './provider-runtime.js';
export { type AgentRuntime, DEFAULT_TIMEOUTS, type HopTimeouts } from './runtime.js';
export {
  ConversationSession,
  type SessionTransport,
  type TranscriptEntry,
} from './session/conversation-session.js';
export { type ProviderNotice, turnContext } from './session/turn-context.js';
export {
  DEFAULT_SYNTHESIS_CACHE_BYTES,
  SynthesisCache,
  type SynthesisCacheOptions,
} from './synthesis-cache.js';
