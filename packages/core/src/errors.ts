/**
 * Stable error codes. They travel to clients in protocol `error` events, so they never change
 * meaning once published; add new ones instead.
 */
export const ErrorCode = {
  BadMessage: 'bad_message',
  UnknownMessageType: 'unknown_message_type',
  MessageTooLarge: 'message_too_large',
  /**
   * A frame over the server's hard ceiling, which it refuses to read into memory at all: the
   * connection closes (WebSocket close code 1009). Frames over the protocol limits but under the
   * ceiling are `message_too_large` and the session goes on.
   */
  PayloadTooLarge: 'payload_too_large',
  BadAudio: 'bad_audio',
  NoSession: 'no_session',
  SessionClosed: 'session_closed',
  SessionLimit: 'session_limit',
  /** A connection sent no `session.start` within the server's start timeout. */
  StartTimeout: 'start_timeout',
  /** The server is shutting down: it takes no new connections and ends the open sessions. */
  ServerShutdown: 'server_shutdown',
  AgentInvalid: 'agent_invalid',
  ProviderTimeout: 'provider_timeout',
  ProviderFailed: 'provider_failed',
  Aborted: 'aborted',
  Internal: 'internal',
  /** The provider could not be reached, or answered with a server error (5xx). */
  ProviderUnavailable: 'provider_unavailable',
  /** The provider refused for rate or quota (HTTP 429). */
  RateLimited: 'rate_limited',
  /** The provider rejected the credentials (HTTP 401/403). */
  ProviderAuth: 'provider_auth',
  /** The provider rejected the request itself (other 4xx): a configuration or input fault. */
  ProviderRejected: 'provider_rejected',
  /** A streamed reply broke off after it had started. */
  ProviderStreamBroken: 'provider_stream_broken',
  /** The provider's circuit breaker is open: it failed recently and is not being called. */
  CircuitOpen: 'circuit_open',
  /** Storage cannot start with this configuration (e.g. a database URL without a master key). */
  StorageMisconfigured: 'storage_misconfigured',
  /** The database schema was written by a newer version, or differs from the code's migrations. */
  StorageSchemaMismatch: 'storage_schema_mismatch',
  /** A stored key was wrapped by a master key that is not configured. */
  StorageKeyUnavailable: 'storage_key_unavailable',
  /** A stored value failed authentication: altered, or moved from another row. */
  StorageIntegrity: 'storage_integrity',
  /** No stored subject (visitor) has this id. */
  UnknownSubject: 'unknown_subject',
  /** No valid session token: missing, malformed, expired, or signed with another key. */
  Unauthorized: 'unauthorized',
  /** A browser page from an origin the server does not serve connected to it. */
  OriginNotAllowed: 'origin_not_allowed',
  /** Too many connections, or connection attempts, from one address or subject. */
  ConnectionLimit: 'connection_limit',
  /** The server would be reachable from other hosts without keys to authenticate callers. */
  AuthNotConfigured: 'auth_not_configured',
  /** The TLS certificate or key cannot be read, or they do not belong together. */
  TlsNotConfigured: 'tls_not_configured',
  /** The server keeps no data (it runs without storage): consent and data requests have nothing to act on. */
  StorageUnavailable: 'storage_unavailable',
  /** The feature-flag definitions do not parse, or fail flagd's schema. */
  FlagsInvalid: 'flags_invalid',
  /** The model registry holds no such version of the artifact. */
  UnknownModelVersion: 'unknown_model_version',
  /** A registered model version this process cannot run (trained by other code, or built only at start-up). */
  ModelUnavailable: 'model_unavailable',
  /** A message names a turn the session has not answered (e.g. feedback on an unknown `turnId`). */
  UnknownTurn: 'unknown_turn',
  /**
   * `session.join` named no running session, or the wrong invite code: one code for both, so a
   * guesser learns nothing.
   */
  BadInvite: 'bad_invite',
  /** `session.join` to a session that has its maximum of participants. */
  SessionFull: 'session_full',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class VisemoError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VisemoError';
    this.code = code;
  }
}

/** A location in a source file, 1-based, for errors a person fixes by editing that file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface AgentIssue extends SourceLocation {
  /** Dotted path of the offending field, e.g. `intents[3].examples`. */
  field: string;
  message: string;
}

export class AgentDefinitionError extends VisemoError {
  readonly issues: AgentIssue[];
  constructor(issues: AgentIssue[]) {
    super(
      ErrorCode.AgentInvalid,
      issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'AgentDefinitionError';
    this.issues = issues;
  }
}

export class ProviderTimeoutError extends VisemoError {
  constructor(provider: string, ms: number) {
    super(ErrorCode.ProviderTimeout, `${provider} did not answer within ${ms} ms`);
    this.name = 'ProviderTimeoutError';
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as VisemoError).code === 'aborted');
}
