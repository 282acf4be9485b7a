import { ErrorCode, isAbortError } from '@visemo/core';
import { ProviderError } from '../errors.js';
import { emit, type ProviderEventListener } from './events.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A breaker as a health check shows it. */
export interface CircuitReport {
  provider: string;
  state: CircuitState;
  /** Consecutive failures counted so far. */
  failures: number;
}

export interface CircuitBreakerOptions {
  provider: string;
  /** Consecutive failures that open the circuit; 5 by default. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before one probe is let through; 30 000 ms by default. */
  resetAfterMs?: number;
  onEvent?: ProviderEventListener;
  /** Clock in ms; `Date.now` by default (tests pass their own). */
  now?: () => number;
}

/**
 * Per-provider circuit breaker. Closed: calls pass, consecutive failures are counted. Open: calls
 * are refused at once (a `circuit_open` ProviderError) for `resetAfterMs`. Half-open: one probe
 * passes; its success closes the circuit, its failure opens it again. Aborts (barge-in) are the
 * caller's doing and count neither way.
 */
export class CircuitBreaker {
  readonly provider: string;
  private readonly threshold: number;
  private readonly resetAfterMs: number;
  private readonly now: () => number;
  private onEvent: ProviderEventListener | undefined;
  private failures = 0;
  private openedAt = 0;
  private current: CircuitState = 'closed';
  private probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.provider = options.provider;
    this.threshold = options.failureThreshold ?? 5;
    this.resetAfterMs = options.resetAfterMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent;
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.resetAfterMs) {
      this.current = 'half-open';
      this.probing = false;
      emit(this.onEvent, { type: 'circuit-half-open', provider: this.provider });
    }
    return this.current;
  }

  /**
   * The state now, without the side effects of `state`: an open circuit past its wait shows as
   * half-open, but only a call moves it there (and reports it).
   */
  report(): CircuitReport {
    const due = this.current === 'open' && this.now() - this.openedAt >= this.resetAfterMs;
    return { provider: this.provider, state: due ? 'half-open' : this.current, failures: this.failures };
  }

  /** Adds a listener for this breaker's events (a chain forwards them to its own). */
  listen(listener: ProviderEventListener): void {
    const previous = this.onEvent;
    this.onEvent = previous
      ? (e) => {
          previous(e);
          listener(e);
        }
      : listener;
  }

  /** Whether a call may go ahead now; in half-open only the first caller gets through. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  recordSuccess(): void {
    const was = this.current;
    this.failures = 0;
    this.probing = false;
    this.current = 'closed';
    if (was !== 'closed') emit(this.onEvent, { type: 'circuit-closed', provider: this.provider });
  }

  recordFailure(error?: unknown): void {
    if (error !== undefined && isAbortError(error)) {
      this.probing = false;
      return;
    }
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.threshold) {
      this.current = 'open';
      this.openedAt = this.now();
      this.probing = false;
      emit(this.onEvent, {
        type: 'circuit-opened',
        provider: this.provider,
        failures: this.failures,
        retryInMs: this.resetAfterMs,
      });
    }
  }

  /** Runs `call` under the breaker, refusing with `circuit_open` while open. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.tryAcquire()) throw this.openError();
    try {
      const result = await call();
      this.recordSuccess();
      return result;
    } catch (error) {
      this.recordFailure(error);
      throw error;
    }
  }

  openError(): ProviderError {
    return new ProviderError(
      ErrorCode.CircuitOpen,
      `${this.provider}: circuit open after repeated failures`,
      {
        provider: this.provider,
        retryable: false,
      },
    );
  }
}
