import { EchoDelayEstimator, type EchoDelayOptions } from './echo-delay-estimator.js';

export interface EchoCancellerOptions extends EchoDelayOptions {
  /** Length of the adaptive filter around the found delay, in 16 kHz samples. Default 128 (8 ms). */
  taps?: number;
  /** NLMS step size, 0..1. Default 0.3. */
  stepSize?: number;
  /**
   * The echo's level assumed before its delay is found, as an amplitude ratio to the reference:
   * 0.5 (−6 dB), the loudest echo in our tests. Until then the loudest reference within the lag
   * range counts as possibly coming back at this level, or at the level the microphone has shown
   * over the last half second if that is lower (headphones, the browser's own echo cancellation).
   */
  priorEchoGain?: number;
}

const RATE = 16000;
/** Statistics are kept per 10 ms block. */
const BLOCK = 160;
/** Samples of the filter before the found delay: the estimate is good to a sample or two at 8 kHz. */
const PRE_TAPS = 16;
/** A found delay that moves by more than this (samples) lays the filter anew. */
const DELAY_TOLERANCE = 12;
/** Echo predicted under this RMS (PCM16 units) is no echo: the mic's own noise floor. */
const NO_ECHO_RMS = 30;
/**
 * The filter stops learning while the microphone is this many times louder than the echo path
 * explains: someone talks over the echo, and learning from their voice would cancel it.
 */
const DOUBLE_TALK_RATIO = 2;
/** Forgetting factor per block of the echo-path gain: about half a second of memory. */
const GAIN_MEMORY = 0.98;

interface BlockStats {
  mic: number;
  reference: number;
  residual: number;
  echo: number;
}
/** How fast, per block, the bound on an echo not found may rise. */
const BOUND_RISE = 1.002;
/** Blocks over which the echo's level is bounded before its delay is found: half a second. */
const BOUND_BLOCKS = 50;

/**
 * Takes the agent's own voice out of the microphone signal, knowing what was played (the
 * reference): finds the echo path's delay (EchoDelayEstimator), subtracts the echo through a short
 * NLMS filter laid at that delay, and keeps, per 10 ms, the power of what is left and of the echo
 * it predicted, so a caller can tell a person talking from the avatar heard back.
 */
export class EchoCanceller {
  private readonly estimator: EchoDelayEstimator;
  private readonly taps: number;
  private readonly stepSize: number;
  private readonly priorGain: number;
  private readonly maxLag: number;
  /** The reference, linear with room to write; `write` is the next sample's index. */
  private readonly history: Float64Array;
  private readonly span: number;
  private write: number;
  private readonly weights: Float64Array;
  /** The delay the filter is laid at, or null before one is found. */
  private laidAt: number | null = null;
  private gainNum = 0;
  private gainDen = 0;
  private adapting = true;
  /** The echo's power gain at most, from the last whole window of playing with no path found. */
  private observedBound: number | null = null;
  private block = { fill: 0, mic: 0, residual: 0, estimate: 0, lagged: 0, cross: 0, reference: 0 };
  /** Each past block's reference power, for the echo assumed before the delay is found. */
  private readonly referencePowers: Float64Array;
  private referenceAt = 0;
  private readonly stats: BlockStats[] = [];

  constructor(options: EchoCancellerOptions = {}) {
    this.estimator = new EchoDelayEstimator(options);
    this.taps = options.taps ?? 128;
    this.stepSize = options.stepSize ?? 0.3;
    this.priorGain = options.priorEchoGain ?? 0.5;
    this.maxLag = Math.round(((options.maxLagMs ?? 500) / 1000) * RATE);
    this.span = this.maxLag + this.taps + BLOCK;
    this.history = new Float64Array(this.span * 4);
    this.write = this.span;
    this.weights = new Float64Array(this.taps);
    this.referencePowers = new Float64Array(Math.ceil(this.maxLag / BLOCK) + 2);
  }

  /** The echo's delay behind the reference in ms, once found. */
  get delayMs(): number | null {
    return this.laidAt === null ? null : (this.laidAt / RATE) * 1000;
  }

  /**
   * Takes microphone samples and the reference for the same instants (what was played, laid on
   * the microphone's timeline; zeros when nothing plays); returns the microphone less the echo.
   */
  process(mic: Int16Array, reference: ArrayLike<number>): Int16Array {
    if (reference.length !== mic.length) {
      throw new RangeError(`reference has ${reference.length} samples for ${mic.length} of microphone`);
    }
    this.estimator.push(mic, reference);
    this.follow(this.estimator.delay);
    const out = new Int16Array(mic.length);
    const h = this.history;
    const w = this.weights;
    const taps = this.taps;
    for (let i = 0; i < mic.length; i++) {
      if (this.write === h.length) this.compact();
      const r = reference[i] as number;
      h[this.write++] = r;
      const m = mic[i] as number;
      let estimate = 0;
      let energy = 0;
      let lagged = 0;
      if (this.laidAt !== null) {
        // Tap k sees the reference (laidAt − PRE_TAPS + k) samples back.
        const newest = this.write - 1 - Math.max(0, this.laidAt - PRE_TAPS);
        for (let k = 0; k < taps; k++) {
          const x = h[newest - k] as number;
          estimate += (w[k] as number) * x;
          energy += x * x;
        }
        lagged = h[this.write - 1 - this.laidAt] as number;
        const residual = m - estimate;
        if (this.adapting && energy > taps) {
          const step = (this.stepSize * residual) / (energy + taps * 100);
          for (let k = 0; k < taps; k++) w[k] = (w[k] as number) + step * (h[newest - k] as number);
        }
      }
      const residual = m - estimate;
      out[i] = Math.max(-32768, Math.min(32767, Math.round(residual)));
      const b = this.block;
      b.mic += m * m;
      b.residual += residual * residual;
      b.estimate += estimate * estimate;
      b.lagged += lagged * lagged;
      b.cross += m * lagged;
      b.reference += r * r;
      if (++b.fill === BLOCK) this.closeBlock();
    }
    return out;
  }

  /**
   * Over the last `ms` (whole 10 ms blocks): the power left after cancellation over the power of
   * the echo predicted. Infinity when no echo is predicted (nothing played lately).
   */
  residualToEcho(ms: number): number {
    const n = Math.max(1, Math.round(ms / 10));
    let residual = 0;
    let echo = 0;
    for (const s of this.stats.slice(-n)) {
      residual += s.residual;
      echo += s.echo;
    }
    const blocks = Math.min(n, this.stats.length);
    if (blocks === 0 || echo < NO_ECHO_RMS ** 2 * BLOCK * blocks) return Number.POSITIVE_INFINITY;
    return residual / echo;
  }

  /** Mean power per sample over the last `ms` of what is left after cancellation, in PCM16 units². */
  residualPower(ms: number): number {
    const recent = this.stats.slice(-Math.max(1, Math.round(ms / 10)));
    return recent.reduce((sum, s) => sum + s.residual, 0) / Math.max(1, recent.length * BLOCK);
  }

  reset(): void {
    this.estimator.reset();
    this.history.fill(0);
    this.write = this.span;
    this.weights.fill(0);
    this.laidAt = null;
    this.gainNum = 0;
    this.gainDen = 0;
    this.adapting = true;
    this.observedBound = null;
    this.block = { fill: 0, mic: 0, residual: 0, estimate: 0, lagged: 0, cross: 0, reference: 0 };
    this.referencePowers.fill(0);
    this.stats.length = 0;
  }

  private follow(delay: number | null): void {
    if (delay === null) return;
    if (this.laidAt !== null && Math.abs(delay - this.laidAt) <= DELAY_TOLERANCE) return;
    this.laidAt = Math.min(delay, this.maxLag);
    this.weights.fill(0);
    this.gainNum = 0;
    this.gainDen = 0;
  }

  /** The least reference energy in a bound window that ends at any lag within the range. */
  private leastPlayed(): number {
    const powers = this.stats.map((s) => s.reference);
    const lagBlocks = Math.ceil(this.maxLag / BLOCK);
    if (powers.length < BOUND_BLOCKS + lagBlocks) return 0;
    let least = Number.POSITIVE_INFINITY;
    for (let lag = 0; lag <= lagBlocks; lag += 5) {
      const end = powers.length - lag;
      let sum = 0;
      for (let i = end - BOUND_BLOCKS; i < end; i++) sum += powers[i] as number;
      least = Math.min(least, sum);
    }
    return least;
  }

  private compact(): void {
    this.history.copyWithin(0, this.write - this.span, this.write);
    this.write = this.span;
  }

  private closeBlock(): void {
    const b = this.block;
    this.referencePowers[this.referenceAt] = b.reference;
    this.referenceAt = (this.referenceAt + 1) % this.referencePowers.length;
    let echo: number;
    let explained = Number.POSITIVE_INFINITY;
    if (this.laidAt === null) {
      // No path known yet: the loudest reference block that could be coming back now, at the
      // prior, or at what the microphone heard over the last half second against the least that
      // was played in any half second it could be the echo of (an upper bound: anyone talking raises it).
      const least = this.leastPlayed();
      if (least > (NO_ECHO_RMS * 10) ** 2 * BLOCK * BOUND_BLOCKS) {
        const heard = this.stats.slice(-BOUND_BLOCKS).reduce((sum, s) => sum + s.mic, b.mic);
        // Down at once, up slowly (+0.9 dB a second): a person talking does not raise it much.
        const measured = Math.min(this.priorGain ** 2, heard / least);
        this.observedBound =
          this.observedBound === null ? measured : Math.min(measured, this.observedBound * BOUND_RISE);
      }
      // Kept for the next reply's first second, before a whole window of it has been played.
      const bound = this.observedBound ?? this.priorGain ** 2;
      echo = bound * Math.max(...this.referencePowers);
    } else {
      this.gainNum = GAIN_MEMORY * this.gainNum + b.cross;
      this.gainDen = GAIN_MEMORY * this.gainDen + b.lagged;
      const gain = this.gainDen > 0 ? Math.max(0, this.gainNum / this.gainDen) : this.priorGain;
      // The filter's own estimate counts up to twice the path gain's: a filter that drifted while
      // both talked must not predict the person's voice as echo.
      const projected = gain * gain * b.lagged;
      echo = Math.max(projected, Math.min(b.estimate, 2 * projected));
      explained = projected;
    }
    this.adapting = b.mic < DOUBLE_TALK_RATIO * Math.max(explained, NO_ECHO_RMS ** 2 * BLOCK);
    this.stats.push({ mic: b.mic, reference: b.reference, residual: b.residual, echo });
    const kept = BOUND_BLOCKS + Math.ceil(this.maxLag / BLOCK) + 1;
    if (this.stats.length > kept) this.stats.splice(0, this.stats.length - kept);
    this.block = { fill: 0, mic: 0, residual: 0, estimate: 0, lagged: 0, cross: 0, reference: 0 };
  }
}
