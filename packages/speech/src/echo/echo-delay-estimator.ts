import { fft } from './fft.js';

export interface EchoDelayOptions {
  /** Longest echo path searched, in ms: playout buffering, the network both ways, the room. Default 500. */
  maxLagMs?: number;
  /**
   * Weight of the cross-spectrum so far against each new window, 0..1. 0.7 keeps about three
   * windows (three quarters of a second): a new path after a network change is found within a second.
   */
  smoothing?: number;
  /** Smoothed correlation peak under which there is no delay to trust. Default 0.12 (measured on Flite echo). */
  minPeak?: number;
}

/** The estimator works at half the pipeline rate: speech's echo is found below 4 kHz. */
const RATE = 8000;
/** Mic window correlated per estimate, and the hop between estimates: 256 ms at 8 kHz. */
const WINDOW = 2048;
/** Windows quieter than this (RMS in PCM16 units) carry no information about the path. */
const SILENT_RMS = 60;

/**
 * Finds how far behind the reference (what the agent played) its echo comes back in the microphone,
 * by GCC-PHAT: the cross-spectrum of a mic window and the reference over the lag range, whitened so
 * every frequency votes alike, smoothed over windows and turned back into a correlation whose peak
 * is the delay. Fed both streams on one timeline, sample for sample, at 16 kHz.
 */
export class EchoDelayEstimator {
  private readonly maxLag: number;
  private readonly size: number;
  private readonly smoothing: number;
  private readonly minPeak: number;
  /** Rings of the last WINDOW + maxLag samples of each stream at 8 kHz; `at` is the oldest. */
  private readonly mic: Float64Array;
  private readonly ref: Float64Array;
  private at = 0;
  private filled = 0;
  private sinceEstimate = 0;
  /** 16 kHz samples waiting for their pair before decimation. */
  private half: { mic: number; ref: number } | null = null;
  private readonly smoothRe: Float64Array;
  private readonly smoothIm: Float64Array;
  private windows = 0;
  private current: { lag: number; peak: number } | null = null;

  constructor(options: EchoDelayOptions = {}) {
    this.maxLag = Math.round(((options.maxLagMs ?? 500) / 1000) * RATE);
    this.smoothing = options.smoothing ?? 0.7;
    this.minPeak = options.minPeak ?? 0.12;
    let size = 1;
    while (size < WINDOW + this.maxLag) size <<= 1;
    this.size = size;
    this.mic = new Float64Array(WINDOW + this.maxLag);
    this.ref = new Float64Array(WINDOW + this.maxLag);
    this.smoothRe = new Float64Array(size);
    this.smoothIm = new Float64Array(size);
  }

  /** The echo's delay behind the reference in 16 kHz samples, or null until one stands out. */
  get delay(): number | null {
    const c = this.current;
    return c && c.peak >= this.minPeak ? c.lag * 2 : null;
  }

  /** The smoothed correlation peak, 0..1: how sure the delay is. */
  get peak(): number {
    return this.current?.peak ?? 0;
  }

  /** Takes `mic` and the reference for the same samples (both 16 kHz, PCM16 units). */
  push(mic: ArrayLike<number>, ref: ArrayLike<number>): void {
    for (let i = 0; i < mic.length; i++) {
      const m = mic[i] as number;
      const r = ref[i] as number;
      if (!this.half) {
        this.half = { mic: m, ref: r };
        continue;
      }
      // A two-tap average before dropping every other sample: enough low-pass for a correlation.
      this.append((this.half.mic + m) / 2, (this.half.ref + r) / 2);
      this.half = null;
    }
  }

  reset(): void {
    this.at = 0;
    this.filled = 0;
    this.sinceEstimate = 0;
    this.half = null;
    this.smoothRe.fill(0);
    this.smoothIm.fill(0);
    this.windows = 0;
    this.current = null;
  }

  private append(m: number, r: number): void {
    const n = this.mic.length;
    this.mic[this.at] = m;
    this.ref[this.at] = r;
    this.at = (this.at + 1) % n;
    this.filled = Math.min(n, this.filled + 1);
    if (++this.sinceEstimate >= WINDOW && this.filled === n) {
      this.sinceEstimate = 0;
      this.estimate();
    }
  }

  private estimate(): void {
    const n = this.mic.length;
    const mic = unroll(this.mic, this.at);
    const ref = unroll(this.ref, this.at);
    if (rms(ref, 0, n) < SILENT_RMS || rms(mic, n - WINDOW, n) < SILENT_RMS) return;
    const size = this.size;
    // x: the reference over the whole lag range; y: the latest mic window, at its end.
    const xr = new Float64Array(size);
    const xi = new Float64Array(size);
    const yr = new Float64Array(size);
    const yi = new Float64Array(size);
    xr.set(ref);
    yr.set(mic.subarray(n - WINDOW));
    fft(xr, xi);
    fft(yr, yi);
    // conj(Y)·X, whitened: its inverse c[s] = Σ y[k]·x[k+s] peaks at s = maxLag − delay.
    const alpha = this.windows === 0 ? 0 : this.smoothing;
    let mean = 0;
    const gr = new Float64Array(size);
    const gi = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const ar = yr[k] as number;
      const ai = -(yi[k] as number);
      const br = xr[k] as number;
      const bi = xi[k] as number;
      gr[k] = ar * br - ai * bi;
      gi[k] = ar * bi + ai * br;
      mean += Math.hypot(gr[k] as number, gi[k] as number);
    }
    mean /= size;
    // A floor under the whitening, so bins with next to no energy do not vote at full weight.
    const floor = mean * 0.05 + 1e-9;
    for (let k = 0; k < size; k++) {
      const mag = Math.hypot(gr[k] as number, gi[k] as number) + floor;
      this.smoothRe[k] = alpha * (this.smoothRe[k] as number) + (1 - alpha) * ((gr[k] as number) / mag);
      this.smoothIm[k] = alpha * (this.smoothIm[k] as number) + (1 - alpha) * ((gi[k] as number) / mag);
    }
    this.windows++;
    const cr = Float64Array.from(this.smoothRe);
    const ci = Float64Array.from(this.smoothIm);
    fft(cr, ci, true);
    let best = 0;
    let bestShift = 0;
    for (let s = 0; s <= this.maxLag; s++) {
      const v = cr[s] as number;
      if (v > best) {
        best = v;
        bestShift = s;
      }
    }
    // A perfectly coherent window of WINDOW samples peaks at WINDOW / size.
    this.current = { lag: this.maxLag - bestShift, peak: (best * size) / WINDOW };
  }
}

function rms(x: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** The ring's samples oldest first. */
function unroll(ring: Float64Array, oldest: number): Float64Array {
  const out = new Float64Array(ring.length);
  out.set(ring.subarray(oldest));
  out.set(ring.subarray(0, oldest), ring.length - oldest);
  return out;
}
