import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../src/index.js';

const options = { initialDelayMs: 500, maxDelayMs: 15_000 };

describe('reconnectDelayMs', () => {
  it('doubles per attempt up to the cap, with half of each delay random', () => {
    const low = (attempt: number) => reconnectDelayMs(attempt, options, () => 0);
    const high = (attempt: number) => reconnectDelayMs(attempt, options, () => 0.999_999);
    expect([0, 1, 2, 3].map(low)).toEqual([250, 500, 1000, 2000]);
    expect(high(0)).toBeCloseTo(500, 2);
    expect(low(10)).toBe(7500);
    expect(high(10)).toBeCloseTo(15_000, 1);
  });

  it('spreads clients that retry at the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(reconnectDelayMs(3, options))));
    expect(delays.size).toBeGreaterThan(25);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
