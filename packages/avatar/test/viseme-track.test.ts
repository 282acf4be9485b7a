import type { VisemeCue } from '@visemo/core/visemes-types';
import { describe, expect, it } from 'vitest';
import { VisemeTrack } from '../src/viseme-track.js';
import { VISEMES } from '../src/visemes.js';

/** "hello" spoken fast: realistic cue lengths of 40–140 ms. */
const HELLO: VisemeCue[] = [
  { viseme: 'kk', startMs: 0, endMs: 60 },
  { viseme: 'E', startMs: 60, endMs: 160 },
  { viseme: 'nn', startMs: 160, endMs: 220 },
  { viseme: 'oh', startMs: 220, endMs: 360 },
  { viseme: 'PP', startMs: 360, endMs: 400 },
  { viseme: 'aa', startMs: 400, endMs: 540 },
];

describe('VisemeTrack', () => {
  it('places cues on the caller clock: nothing before the start time, the cue in its middle', () => {
    const track = new VisemeTrack();
    const start = 12.5; // e.g. AudioContext.currentTime when the chunk starts playing
    track.schedule(HELLO, start);
    const before = track.sample(start - 0.5);
    expect(before.sil).toBe(1);
    for (const v of VISEMES) if (v !== 'sil') expect(before[v]).toBe(0);
    const midOh = track.sample(start + 0.29);
    expect(midOh.oh).toBeGreaterThan(0.9);
    const midAa = track.sample(start + 0.47);
    expect(midAa.aa).toBeGreaterThan(0.9);
    const after = track.sample(start + 1);
    expect(after.sil).toBe(1);
  });

  it('cross-fades neighbours through 50/50 at their shared boundary', () => {
    const track = new VisemeTrack();
    track.schedule(
      [
        { viseme: 'aa', startMs: 0, endMs: 200 },
        { viseme: 'ou', startMs: 200, endMs: 400 },
      ],
      0,
    );
    const w = track.sample(0.2);
    expect(w.aa).toBeCloseTo(0.5, 2);
    expect(w.ou).toBeCloseTo(0.5, 2);
    // Overlap before the boundary: the next shape already rises (anticipation).
    expect(track.sample(0.18).ou).toBeGreaterThan(0);
  });

  it('never pops: weights change by a bounded step between 60 fps frames, unlike raw cues', () => {
    const track = new VisemeTrack();
    track.schedule(HELLO, 0);
    let previous = track.sample(-0.1);
    let maxStep = 0;
    for (let t = -0.1; t < 0.8; t += 1 / 60) {
      const w = track.sample(t);
      for (const v of VISEMES) maxStep = Math.max(maxStep, Math.abs(w[v] - previous[v]));
      previous = w;
    }
    // A raw cue switch jumps by 1.0 between frames; even a 40 ms lip closure (the fastest ramp)
    // spreads over three frames.
    expect(maxStep).toBeLessThan(0.7);
    expect(maxStep).toBeGreaterThan(0.1);
  });

  it('weights sum to 1 and stay within 0..1', () => {
    const track = new VisemeTrack();
    track.schedule(HELLO, 0);
    for (let t = -0.1; t < 0.7; t += 0.007) {
      const w = track.sample(t);
      const sum = VISEMES.reduce((s, v) => s + w[v], 0);
      expect(sum).toBeCloseTo(1, 6);
      for (const v of VISEMES) {
        expect(w[v]).toBeGreaterThanOrEqual(0);
        expect(w[v]).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reaches lip closure for a short p/b/m, while a short vowel undershoots', () => {
    const track = new VisemeTrack();
    track.schedule(
      [
        { viseme: 'aa', startMs: 0, endMs: 100 },
        { viseme: 'PP', startMs: 100, endMs: 130 },
        { viseme: 'E', startMs: 130, endMs: 160 },
        { viseme: 'aa', startMs: 160, endMs: 300 },
      ],
      0,
    );
    let peakPP = 0;
    let peakE = 0;
    for (let t = 0.09; t < 0.18; t += 0.001) {
      const w = track.sample(t);
      peakPP = Math.max(peakPP, w.PP);
      peakE = Math.max(peakE, w.E);
    }
    expect(peakPP).toBeGreaterThan(0.95);
    expect(peakE).toBeLessThan(0.85);
  });

  it('keeps chunks scheduled separately on one timeline', () => {
    const track = new VisemeTrack();
    track.schedule([{ viseme: 'aa', startMs: 0, endMs: 300 }], 2);
    track.schedule([{ viseme: 'ou', startMs: 0, endMs: 300 }], 2.3);
    expect(track.sample(2.15).aa).toBeGreaterThan(0.9);
    expect(track.sample(2.45).ou).toBeGreaterThan(0.9);
    expect(track.endTime()).toBeGreaterThan(2.6);
  });

  it('stop() for barge-in drops later cues and closes the mouth smoothly', () => {
    const track = new VisemeTrack();
    track.schedule(
      [
        { viseme: 'aa', startMs: 0, endMs: 500 },
        { viseme: 'ou', startMs: 500, endMs: 900 },
      ],
      0,
    );
    track.stop(0.3);
    expect(track.sample(0.3).aa).toBeGreaterThan(0.95);
    const mid = track.sample(0.32).aa;
    expect(mid).toBeGreaterThan(0.05);
    expect(mid).toBeLessThan(0.95);
    expect(track.sample(0.45).aa).toBe(0);
    expect(track.sample(0.7).ou).toBe(0);
    expect(track.isActive(0.5)).toBe(false);
  });

  it('scales weights with gain', () => {
    const track = new VisemeTrack({ gain: 0.5 });
    track.schedule([{ viseme: 'aa', startMs: 0, endMs: 400 }], 0);
    expect(track.sample(0.2).aa).toBeCloseTo(0.5, 5);
  });

  it('forgets cues long past so the list does not grow', () => {
    const track = new VisemeTrack();
    for (let i = 0; i < 100; i++) track.schedule([{ viseme: 'aa', startMs: 0, endMs: 100 }], i * 0.2);
    track.sample(30);
    expect(track.size).toBe(0);
  });
});
