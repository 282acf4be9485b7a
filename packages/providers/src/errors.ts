import { ErrorCode, VisemoError } from '@visemo/core';

export interface ProviderErrorDetails {
  /** The provider's name, e.g. `openai-compatible:gpt-4o-mini`. */
  provider: string;
  /** HTTP status, when the failure was an HTTP answer. */
  status?: number;
  /** The vendor's own error `type` and `code`, when its body carried them. */
  vendorType?: string;
  vendorCode?: string;
  /** How long the provider asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /**
   * Whether calling again may succeed and is safe: nothing was delivered to the caller yet, and the
   * failure was a connect error, a 429 or a 5xx.
   */
  retryable: boolean;
  cause?: unknown;
}

/** A failure of an external provider, with a stable `code` from core and what a retry needs. */
export class ProviderError extends VisemoError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly vendorType: string | undefined;
  readonly vendorCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, details: ProviderErrorDetails) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.provider = details.provider;
    this.status = details.status;
    this.vendorType = details.vendorType;
    this.vendorCode = details.vendorCode;
    this.retryAfterMs = details.retryAfterMs;
    this.retryable = details.retryable;
  }
}

/** The error code for an HTTP status. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 429) return ErrorCode.RateLimited;
  if (status === 401 || status === 403) return ErrorCode.ProviderAuth;
  if (status >= 500) return ErrorCode.ProviderUnavailable;
  if (status === 408) return ErrorCode.ProviderTimeout;
  return ErrorCode.ProviderRejected;
}

/** 408, 409 (OpenAI's lock timeout), 429 and 5xx are worth one more try; other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Replaces every secret in `text` by `[redacted]`. Secrets shorter than 4 characters are left alone:
 * they would blank out ordinary words and are no secret anyway.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  // Bearer tokens and `key=` query values that reached a message some other way.
  return out.replace(/(Bearer|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]');
}
