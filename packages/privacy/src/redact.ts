import { createHmac } from 'node:crypto';
import { detectPii, type PiiOptions } from './detect.js';
import type { PiiSpan } from './pii-span.js';

/** Hex characters of a keyed token: 64 bits, enough that two values of one log never collide. */
const TOKEN_HEX = 16;

export type Key = string | Uint8Array;

/** `text` with each span of personal data replaced by its placeholder: "[EMAIL]", "[CARD]"… */
export function redactText(text: string, options: PiiOptions = {}): string {
  return replaceSpans(text, detectPii(text, options), (s) => `[${s.label}]`);
}

export interface TokenizeOptions extends PiiOptions {
  /** The secret of the HMAC. Who holds it can test a guessed value; keep it out of the data store. */
  key: Key;
}

/**
 * `text` with each span replaced by a stable keyed token, "[EMAIL:5f0c…]": one value gives one
 * token under one key however it was written or said, so analysts can count and join on it
 * without seeing it.
 */
export function tokenizeText(text: string, options: TokenizeOptions): string {
  const { key } = options;
  assertKey(key);
  return replaceSpans(text, detectPii(text, options), (s) => `[${s.label}:${keyedToken(key, s)}]`);
}

/** The token of one span: HMAC-SHA256 over its kind and canonical value, truncated. */
export function keyedToken(key: Key, span: Pick<PiiSpan, 'kind' | 'value'>): string {
  assertKey(key);
  return hmacHex(key, `${span.kind}\u0000${span.value}`).slice(0, TOKEN_HEX);
}

/**
 * A stable pseudonymous id for a subject (a user, a caller, a session's owner) to put in
 * telemetry instead of the id itself: HMAC-SHA256 of the id, 128 bits in base64url.
 */
export function pseudonym(key: Key, subjectId: string): string {
  assertKey(key);
  return createHmac('sha256', key).update(`subject\u0000${subjectId}`).digest('base64url').slice(0, 22);
}

function hmacHex(key: Key, message: string): string {
  return createHmac('sha256', key).update(message).digest('hex');
}

function assertKey(key: Key): void {
  if (key.length === 0) throw new RangeError('a keyed token needs a non-empty key');
}

function replaceSpans(
  text: string,
  spans: readonly PiiSpan[],
  replacement: (span: PiiSpan) => string,
): string {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + replacement(s);
    at = s.end;
  }
  return out + text.slice(at);
}
