export interface ReconnectOptions {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** Cap on the delay, in ms. */
  maxDelayMs: number;
  /** Retries before giving up; `Infinity` to keep trying. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  maxAttempts: 8,
};

/**
 * Delay before retry number `attempt` (0-based): exponential growth capped at `maxDelayMs`, with
 * "equal jitter" — half fixed, half random — so a server restart is not met by every client at the
 * same instant, yet no client retries immediately. `random` returns values in [0, 1).
 */
export function reconnectDelayMs(
  attempt: number,
  options: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}
