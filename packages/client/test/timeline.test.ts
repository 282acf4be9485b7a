import { describe, expect, it } from 'vitest';
import { PlaybackTimeline, pcm16ToFloat32 } from '../src/index.js';

const timing = { leadSec: 0.08, minQueueSec: 0.01 };

describe('PlaybackTimeline', () => {
  it('starts the first chunk one lead after the clock, and the next ones back to back', () => {
    const t = new PlaybackTimeline(timing);
    const a = t.schedule(1, 0, 1.5, 10);
    expect(a.startSec).toBeCloseTo(10.08, 9);
    // The second chunk arrives while the first still plays: no gap, no overlap.
    const b = t.schedule(1, 1, 0.5, 10.9);
    expect(b.startSec).toBeCloseTo(a.startSec + 1.5, 9);
    expect(t.endOf(1)).toBeCloseTo(12.08, 9);
  });

  it('rebuilds the lead after an underrun', () => {
    const t = new PlaybackTimeline(timing);
    t.schedule(1, 0, 0.5, 0);
    // The queue ran dry at 0.58; the next chunk comes at 1.0.
    expect(t.schedule(1, 1, 0.5, 1).startSec).toBeCloseTo(1.08, 9);
  });

  it('counts the milliseconds of a turn played by a given time', () => {
    const t = new PlaybackTimeline(timing);
    t.schedule(3, 0, 1, 0); // 0.08 → 1.08
    t.schedule(3, 1, 2, 0.5); // 1.08 → 3.08
    expect(t.playedMs(3, 0.05)).toBe(0);
    expect(t.playedMs(3, 0.58)).toBe(500);
    expect(t.playedMs(3, 1.58)).toBe(1500);
    expect(t.playedMs(3, 99)).toBe(3000);
    expect(t.durationMs(3)).toBe(3000);
    expect(t.playedMs(4, 99)).toBe(0);
  });

  it('keeps turns apart and forgets them on clear', () => {
    const t = new PlaybackTimeline(timing);
    t.schedule(1, 0, 1, 0);
    t.schedule(2, 0, 1, 0.5);
    expect(t.turns()).toEqual([1, 2]);
    expect(t.startOf(2)).toBeCloseTo(1.08, 9);
    expect(t.isPlaying(2)).toBe(true);
    expect(t.isPlaying(2.1)).toBe(false);
    t.remove(1);
    expect(t.turns()).toEqual([2]);
    t.clear();
    expect(t.turns()).toEqual([]);
    expect(t.schedule(5, 0, 1, 0.5).startSec).toBeCloseTo(0.58, 9);
  });
});

describe('pcm16ToFloat32', () => {
  it('maps full scale to [-1, 1)', () => {
    expect(Array.from(pcm16ToFloat32(Int16Array.of(-32768, 0, 16384, 32767)))).toEqual([
      -1,
      0,
      0.5,
      32767 / 32768,
    ]);
  });
});
