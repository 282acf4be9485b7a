/** How long a connection may wait, sit silent or last, in ms; 0 (or absent) turns one off. */
export interface SessionTimeouts {
  /** From the connection to its `session.start`. */
  startMs?: number;
  /** Without any frame from the client, once the session started. */
  idleMs?: number;
  /** From `session.start` to the end, however busy the session is. */
  maxDurationMs?: number;
  /**
   * Between the `heartbeat` events sent while the session runs: a client that hears nothing for
   * longer knows its socket is dead, however quiet the conversation (docs/protocol.md).
   */
  heartbeatMs?: number;
}

/** What `visemo serve` and `createServer` use unless told otherwise. */
export const DEFAULT_SESSION_TIMEOUTS: Required<SessionTimeouts> = {
  startMs: 10_000,
  idleMs: 5 * 60_000,
  maxDurationMs: 2 * 60 * 60_000,
  heartbeatMs: 15_000,
};

export type Expiry = 'start' | 'idle' | 'max_duration';

/**
 * The timers of one connection. Client frames come 50 times a second in a voice session, so
 * `activity` only notes the time; the idle timer, when it fires early, waits out the rest.
 * Timers are unref'd: a session left open never keeps a process alive by itself.
 */
export class SessionClock {
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private maxTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastActivity = 0;
  private stopped = false;

  constructor(
    private readonly timeouts: SessionTimeouts,
    private readonly expire: (expiry: Expiry) => void,
    private readonly now: () => number = Date.now,
    /** Sends a `heartbeat`; called every `heartbeatMs` once the session started. */
    private readonly beat: () => void = () => undefined,
  ) {
    if (timeouts.startMs) this.startTimer = this.after(timeouts.startMs, () => this.fire('start'));
  }

  /** The session started: the start timer stops, the idle and duration timers run. */
  started(): void {
    if (this.stopped) return;
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
    this.lastActivity = this.now();
    const { idleMs, maxDurationMs } = this.timeouts;
    if (maxDurationMs && !this.maxTimer)
      this.maxTimer = this.after(maxDurationMs, () => this.fire('max_duration'));
    if (idleMs && !this.idleTimer) this.idleTimer = this.after(idleMs, () => this.checkIdle(idleMs));
    const { heartbeatMs } = this.timeouts;
    if (heartbeatMs && !this.heartbeatTimer) {
      this.heartbeatTimer = setInterval(() => this.beat(), heartbeatMs);
      this.heartbeatTimer.unref?.();
    }
  }

  /** A frame from the client. */
  activity(): void {
    this.lastActivity = this.now();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.maxTimer);
    clearInterval(this.heartbeatTimer);
  }

  private checkIdle(idleMs: number): void {
    const quietMs = this.now() - this.lastActivity;
    if (quietMs >= idleMs) this.fire('idle');
    else this.idleTimer = this.after(idleMs - quietMs, () => this.checkIdle(idleMs));
  }

  private fire(expiry: Expiry): void {
    if (this.stopped) return;
    this.stop();
    this.expire(expiry);
  }

  private after(ms: number, run: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(run, ms);
    timer.unref?.();
    return timer;
  }
}
