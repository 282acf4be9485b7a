import type { PcmAudio } from '@visemo/core';

/** The lowest and highest F0 tracked, in Hz: the range of adult speaking voices. */
const MIN_F0 = 70;
const MAX_F0 = 400;
/** A window is voiced when its best normalised autocorrelation reaches this. */
const VOICED_CORRELATION = 0.5;

/** Lags and window of the pitch tracker at `rate`: a 40 ms window, 70–400 Hz. */
export function pitchWindow(rate: number): { win: number; minLag: number; maxLag: number } {
  return {
    win: Math.round(rate * 0.04),
    minLag: Math.floor(rate / MAX_F0),
    maxLag: Math.ceil(rate / MIN_F0),
  };
}

/**
 * F0 of the window at `start` by normalised autocorrelation, in Hz; 0 where it is unvoiced or its
 * energy is under `quietEnergy`. `x` must hold `win + maxLag` samples from `start`.
 */
export function windowPitch(x: ArrayLike<number>, start: number, rate: number, quietEnergy: number): number {
  const { win, minLag, maxLag } = pitchWindow(rate);
  let energy = 0;
  for (let i = start; i < start + win; i++) energy += (x[i] as number) ** 2;
  if (energy < quietEnergy || energy === 0) return 0;
  let bestLag = 0;
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let cross = 0;
    let shifted = 0;
    for (let i = start; i < start + win; i++) {
      const b = x[i + lag] as number;
      cross += (x[i] as number) * b;
      shifted += b * b;
    }
    const r = cross / Math.sqrt(energy * shifted || 1);
    if (r > best) {
      best = r;
      bestLag = lag;
    }
  }
  return best >= VOICED_CORRELATION ? rate / bestLag : 0;
}

/**
 * Fundamental frequency every 10 ms (0 where unvoiced or quieter than 3 % of the peak). Enough for
 * contour statistics and the fall at the end of a sentence; not a research pitch tracker.
 */
export function pitchTrack(audio: PcmAudio): number[] {
  const rate = audio.sampleRate;
  const hop = Math.round(rate / 100);
  const { win, maxLag } = pitchWindow(rate);
  const x = audio.samples;
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const quiet = (peak * 0.03) ** 2 * win;
  const track: number[] = [];
  for (let start = 0; start + win + maxLag <= x.length; start += hop)
    track.push(windowPitch(x, start, rate, quiet));
  return track;
}
