export { type AdminGuard, requireAdminKey } from './auth/admin-key.js';
export { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './auth/connection-gate.js';
export {
  type ResolvedSecurity,
  type SecurityEnvironmentOptions,
  securityFromEnvironment,
} from './auth/environment.js';
export { ConnectionCounter, KeyedRateLimiter } from './auth/keyed-limits.js';
export {
  DEFAULT_TOKEN_TTL_SECONDS,
  type IssuedToken,
  MIN_SECRET_BYTES,
  type SessionClaims,
  SessionTokens,
} from './auth/session-tokens.js';
export { PROTOCOL_V1, TOKEN_PROTOCOL_PREFIX } from './auth/subprotocol.js';
export { type CoordinationOptions, RedisCoordination } from './cluster/redis-coordination.js';
export {
  type ConfiguredAgent,
  type ConfiguredAgentOptions,
  loadConfiguredAgent,
} from './configured-agent.js';
export {
  DEFAULT_DRIFT_BASELINE_MS,
  DEFAULT_DRIFT_INTERVAL_MS,
  DEFAULT_DRIFT_WINDOW_MS,
  type DriftJobOptions,
  startDriftJob,
} from './drift/drift-job.js';
export { type DriftQuery, measureDrift } from './drift/drift-measure.js';
export {
  compareSignals,
  type DistributionDrift,
  type DriftLevel,
  type DriftOptions,
  type DriftReport,
  driftReport,
  emptySignals,
  type RateDrift,
  type SignalDrift,
  type TimeWindow,
  type VariantDrift,
} from './drift/drift-report.js';
export { driftSvg } from './drift/drift-svg.js';
export { driftTable } from './drift/drift-table.js';
export { parseWindow, trailingWindows, windowDurationMs } from './drift/drift-windows.js';
export {
  PSI_ALERT,
  PSI_WARN,
  populationStabilityIndex,
  twoProportionTest,
} from './drift/population-stability.js';
export {
  agentId,
  agentRecognizerOptions,
  createEmbeddedProviders,
  createEmbeddedRuntime,
  type EmbeddedProviders,
  type EmbeddedRuntime,
  type EmbeddedRuntimeOptions,
} from './embedded-runtime.js';
export { FlagFileProvider, type FlagFileProviderOptions } from './flags/flag-file-provider.js';
export {
  FEATURE_DEFAULTS,
  type FeatureName,
  type Features,
  type FlagOutcome,
  flagsFileFor,
  type SessionContext,
  type SessionFlagState,
  SessionFlags,
  type SessionFlagsOptions,
} from './flags/session-flags.js';
export { type CapacityLimits, DEFAULT_CAPACITY } from './http/connection-admission.js';
export type { AuthOptions, ServerSecurity, ServerSecurityOptions } from './http/security.js';
export { PAGE_CSP, type SecurityHeaderOptions } from './http/security-headers.js';
export { createServer, DEFAULT_FRAME_CEILING_BYTES, type ServerOptions } from './http/server.js';
export {
  type SessionOperations,
  type SessionVariant,
  sessionOperations,
  sessionRuntime,
} from './http/session-operations.js';
export {
  DEFAULT_DRAIN_DEADLINE_MS,
  type DrainOptions,
  type DrainReport,
  drainServer,
} from './http/shutdown.js';
export { readTlsCredentials, type TlsCredentials } from './http/tls.js';
export {
  type ArtifactDescription,
  agentArtifacts,
  type NluTraining,
  nluArtifact,
  nluFromTraining,
  nluTraining,
} from './models/agent-artifacts.js';
export { canonicalJson, codeVersion, contentHash } from './models/content-hash.js';
export {
  ModelSelection,
  type ModelSelectionOptions,
  type RegistryStore,
  type RunningVersion,
  type SessionModels,
} from './models/model-selection.js';
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
  type SessionOptions,
  type SessionSetup,
  type SessionTransport,
  type TranscriptEntry,
} from './session/conversation-session.js';
export { type EndOfTurnPauses, endOfTurnPause, type TurnSignals } from './session/end-of-turn.js';
export { type ListeningFrame, type ListeningOptions, ListeningStage } from './session/listening-stage.js';
export { DEFAULT_SESSION_TIMEOUTS, type SessionTimeouts } from './session/session-timeouts.js';
export { type ProviderNotice, turnContext } from './session/turn-context.js';
export type { TurnInput, TurnMarks, TurnRecord } from './session/turn-record.js';
export {
  DEFAULT_SYNTHESIS_CACHE_BYTES,
  SynthesisCache,
  type SynthesisCacheOptions,
} from './synthesis-cache.js';
export { DEFAULT_RECENT_TRACES, RecentTraces } from './tracing/recent-traces.js';
export { SessionTracer, SPAN } from './tracing/session-tracer.js';
export {
  formatTurnWaterfall,
  type TracedTurn,
  type TurnHop,
  tracedTurns,
  turnWaterfallSvg,
} from './tracing/trace-waterfall.js';
export { otlpEndpointOf, Tracing, type TracingOptions } from './tracing/tracing.js';
export {
  renderWaterfall,
  type WaterfallHop,
  type WaterfallSetup,
} from './tracing/waterfall-svg.js';
