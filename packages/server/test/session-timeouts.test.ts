import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Expiry, SessionClock } from '../src/session/session-timeouts.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function clock(timeouts: ConstructorParameters<typeof SessionClock>[0]) {
  const expired: Expiry[] = [];
  const timer = new SessionClock(timeouts, (expiry) => expired.push(expiry), Date.now);
  return { timer, expired };
}

describe('SessionClock', () => {
  it('expires a connection that does not start in time, and not one that does', () => {
    const slow = clock({ startMs: 10_000, idleMs: 60_000 });
    vi.advanceTimersByTime(9_999);
    expect(slow.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(slow.expired).toEqual(['start']);

    const quick = clock({ startMs: 10_000 });
    vi.advanceTimersByTime(5_000);
    quick.timer.started();
    vi.advanceTimersByTime(60_000);
    expect(quick.expired).toEqual([]);
  });

  it('counts idle time from the last client frame', () => {
    const { timer, expired } = clock({ idleMs: 1_000 });
    timer.started();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(900);
      timer.activity();
    }
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['idle']);
    vi.advanceTimersByTime(10_000);
    expect(expired).toEqual(['idle']);
  });

  it('ends a busy session at its maximum duration', () => {
    const { timer, expired } = clock({ idleMs: 1_000, maxDurationMs: 5_000 });
    timer.started();
    for (let i = 0; i < 60; i++) {
      vi.advanceTimersByTime(100);
      timer.activity();
    }
    expect(expired).toEqual(['max_duration']);
  });

  it('fires nothing once stopped, and nothing for timeouts of 0', () => {
    const stopped = clock({ startMs: 100, idleMs: 100, maxDurationMs: 100 });
    stopped.timer.stop();
    const off = clock({ startMs: 0, idleMs: 0, maxDurationMs: 0 });
    off.timer.started();
    vi.advanceTimersByTime(1_000_000);
    expect([...stopped.expired, ...off.expired]).toEqual([]);
  });
  it('beats every heartbeatMs once the session started, and stops with the clock', () => {
    let beats = 0;
    const timer = new SessionClock(
      { heartbeatMs: 1_000 },
      () => undefined,
      Date.now,
      () => beats++,
    );
    vi.advanceTimersByTime(5_000);
    expect(beats).toBe(0);
    timer.started();
    vi.advanceTimersByTime(3_500);
    expect(beats).toBe(3);
    timer.stop();
    vi.advanceTimersByTime(5_000);
    expect(beats).toBe(3);
  });
});
