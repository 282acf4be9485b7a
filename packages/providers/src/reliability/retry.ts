import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  SpeechSynthesizer,
  SynthesisRequest,
  SynthesisResult,
} from '@visemo/core';
import { isAbortError, VisemoError } from '@visemo/core';
import { ProviderError } from '../errors.js';
import { abortReason } from '../http/request.js';
import { sleep } from '../http/signals.js';
import { emit, type ProviderEventListener } from './events.js';

export interface RetryOptions {
  /** Further attempts after the first; 2 by default. */
  retries?: number;
  /** Backoff before retry n is a random share of `baseDelayMs · 2ⁿ` (full jitter); 250 ms by default. */
  baseDelayMs?: number;
  /** Cap of one backoff; 4000 ms by default. */
  maxDelayMs?: number;
  /**
   * The longest Retry-After honoured. A provider asking for a longer wait fails at once, so a
   * fallback can answer the user instead (a voice turn cannot wait a minute). 10 000 ms by default.
   */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Names the provider in events. */
  provider?: string;
  onEvent?: ProviderEventListener;
  /** Whether an error may be retried; `isRetryable` by default. */
  retryable?: (error: unknown) => boolean;
  /** Source of jitter in [0, 1); `Math.random` by default (tests pass their own). */
  random?: () => number;
}

/**
 * Safe to try again: a ProviderError that says so (connect failure, 408/409/429/5xx, or a stream
 * that broke before any part reached the caller). Aborts and timeouts are never retried here:
 * a timeout is the fallback chain's signal to move on.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ProviderError && error.retryable && !isAbortError(error);
}

/** The wait before retry `attempt` (0-based), or undefined when the error's Retry-After is too long. */
export function retryDelay(error: unknown, attempt: number, options: RetryOptions = {}): number | undefined {
  const after = error instanceof ProviderError ? error.retryAfterMs : undefined;
  if (after !== undefined) return after <= (options.maxRetryAfterMs ?? 10_000) ? after : undefined;
  const ceiling = Math.min(options.maxDelayMs ?? 4000, (options.baseDelayMs ?? 250) * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Calls `call` until it succeeds, fails for good, or the retries are spent. */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 2;
  const retryable = options.retryable ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const aborted = abortReason(options.signal);
      if (aborted) throw aborted;
      if (attempt >= retries || !retryable(error)) throw error;
      const delayMs = retryDelay(error, attempt, options);
      if (delayMs === undefined) throw error;
      emit(options.onEvent, {
        type: 'provider-retry',
        provider: options.provider ?? (error instanceof ProviderError ? error.provider : 'unknown'),
        attempt: attempt + 1,
        delayMs,
        code: error instanceof VisemoError ? error.code : 'internal',
      });
      await sleep(delayMs, options.signal).catch(() => {
        throw abortReason(options.signal) ?? error;
      });
    }
  }
}

/**
 * A ChatModel that retries its inner model while nothing has been streamed yet. Once a part has
 * reached the caller a retry would repeat text the user may already hear, so later failures pass
 * through (the inner model marks them not retryable).
 */
export class RetryingChatModel implements ChatModel {
  readonly name: string;
  constructor(
    private readonly inner: ChatModel,
    private readonly options: Omit<RetryOptions, 'signal'> = {},
  ) {
    this.name = inner.name;
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart> {
    let delivered = false;
    const options: RetryOptions = { provider: this.name, ...this.options, signal: request.signal };
    const retries = options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const part of this.inner.stream(request)) {
          delivered = true;
          yield part;
        }
        return;
      } catch (error) {
        const aborted = abortReason(request.signal);
        if (aborted) throw aborted;
        if (delivered || attempt >= retries || !(options.retryable ?? isRetryable)(error)) throw error;
        const delayMs = retryDelay(error, attempt, options);
        if (delayMs === undefined) throw error;
        emit(options.onEvent, {
          type: 'provider-retry',
          provider: this.name,
          attempt: attempt + 1,
          delayMs,
          code: error instanceof VisemoError ? error.code : 'internal',
        });
        await sleep(delayMs, request.signal).catch(() => {
          throw abortReason(request.signal) ?? error;
        });
      }
    }
  }
}

/** A SpeechSynthesizer whose calls go through `withRetry`. */
export class RetryingSynthesizer implements SpeechSynthesizer {
  readonly name: string;
  readonly voices: readonly string[];
  constructor(
    private readonly inner: SpeechSynthesizer,
    private readonly options: Omit<RetryOptions, 'signal'> = {},
  ) {
    this.name = inner.name;
    this.voices = inner.voices;
  }

  synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    return withRetry(() => this.inner.synthesize(request), {
      provider: this.name,
      ...this.options,
      signal: request.signal,
    });
  }
}
