import { ErrorCode, VisemoError } from '@visemo/core';
import { codeForStatus, isRetryableStatus, ProviderError, redact } from '../errors.js';
import { parseRetryAfter } from './retry-after.js';

export interface ProviderRequest {
  provider: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  signal?: AbortSignal;
  /** Values that must never appear in an error message (API keys). */
  secrets?: readonly (string | undefined)[];
}

/**
 * `fetch` with provider errors: a connect failure or an HTTP error answer becomes a ProviderError
 * with a stable code; an abort rethrows the signal's reason (a deadline's ProviderTimeoutError or the
 * turn's `aborted` error). The signal goes to fetch itself, so an abort closes the upstream request.
 */
export async function providerFetch(request: ProviderRequest): Promise<Response> {
  const { provider, secrets = [] } = request;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'POST',
      headers: request.headers,
      body: request.body,
      signal: request.signal,
    });
  } catch (error) {
    throw abortReason(request.signal) ?? connectError(provider, request.url, error, secrets);
  }
  if (!response.ok) throw await httpError(provider, response, secrets);
  return response;
}

/** The error an aborted signal stands for, or undefined when the signal did not abort. */
export function abortReason(signal: AbortSignal | undefined): unknown {
  if (!signal?.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (reason instanceof VisemoError) return reason;
  return new VisemoError(ErrorCode.Aborted, 'the turn was aborted', { cause: reason });
}

export function connectError(
  provider: string,
  url: string,
  error: unknown,
  secrets: readonly (string | undefined)[],
): ProviderError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ProviderError(
    ErrorCode.ProviderUnavailable,
    redact(`${provider}: could not reach ${safeOrigin(url)}: ${detail}`, secrets),
    { provider, retryable: true, cause: error },
  );
}

/** Builds the ProviderError for a non-2xx answer from its body (OpenAI, ElevenLabs, Deepgram shapes). */
export async function httpError(
  provider: string,
  response: Response,
  secrets: readonly (string | undefined)[],
): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body broke off; the status alone still says what happened.
  }
  const body = vendorError(text);
  const status = response.status;
  const message = body.message ?? (text.trim().slice(0, 300) || response.statusText || 'no message');
  return new ProviderError(
    codeForStatus(status),
    redact(`${provider}: HTTP ${status}: ${message}`, secrets),
    {
      provider,
      status,
      vendorType: body.type,
      vendorCode: body.code,
      retryAfterMs: parseRetryAfter(response.headers),
      retryable: isRetryableStatus(status),
      cause: text === '' ? undefined : { status, body: redact(text.slice(0, 2000), secrets) },
    },
  );
}

interface VendorError {
  message?: string;
  type?: string;
  code?: string;
}

/**
 * Reads the vendors' error bodies: OpenAI and Azure OpenAI `{"error":{"message","type","code"}}`,
 * ElevenLabs `{"detail":{"status","message"}}` (or FastAPI's `{"detail":[…]}` on 422), Deepgram
 * `{"err_code","err_msg"}`, and a bare `{"error":"text"}` (Ollama, llama.cpp).
 */
export function vendorError(text: string): VendorError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const o = json as Record<string, unknown>;
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  if (typeof o.error === 'object' && o.error !== null) {
    const e = o.error as Record<string, unknown>;
    return { message: str(e.message), type: str(e.type), code: str(e.code) };
  }
  if (typeof o.error === 'string') return { message: o.error };
  if (typeof o.detail === 'object' && o.detail !== null && !Array.isArray(o.detail)) {
    const d = o.detail as Record<string, unknown>;
    return { message: str(d.message), code: str(d.status) };
  }
  if (Array.isArray(o.detail)) {
    const first = o.detail[0] as Record<string, unknown> | undefined;
    return { message: str(first?.msg) ?? JSON.stringify(o.detail).slice(0, 300), type: 'validation_error' };
  }
  if (typeof o.detail === 'string') return { message: o.detail };
  if (o.err_code !== undefined || o.err_msg !== undefined)
    return { message: str(o.err_msg), code: str(o.err_code) };
  return { message: str(o.message) };
}

/** The URL without its query string or credentials, for messages. */
export function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad url)';
  }
}

/** A fetch body as an async iterable (Node's web streams are; the DOM typings do not say so). */
export function bodyChunks(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return body as unknown as AsyncIterable<Uint8Array>;
}
