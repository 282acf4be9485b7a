/**
 * Resamples a PCM16 stream chunk by chunk with a windowed-sinc kernel, carrying the kernel's history
 * across chunks so chunk boundaries leave no clicks. When downsampling, the kernel's cutoff sits
 * below the new Nyquist frequency, so energy above it does not fold back as aliases.
 */
export class StreamingResampler {
  private readonly step: number;
  private readonly cutoff: number;
  /** Kernel half-width in input samples. */
  private readonly halfWidth: number;
  private history: Float32Array = new Float32Array(0);
  /** Position of the next output sample, in input samples, relative to the start of `history`. */
  private position: number;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
    taps = 16,
  ) {
    this.step = inputRate / outputRate;
    this.cutoff = Math.min(1, outputRate / inputRate) * 0.94;
    this.halfWidth = Math.ceil(taps / this.cutoff);
    this.position = this.halfWidth;
    this.history = new Float32Array(this.halfWidth);
  }

  push(chunk: Int16Array): Int16Array {
    if (this.inputRate === this.outputRate) return chunk;
    const joined = new Float32Array(this.history.length + chunk.length);
    joined.set(this.history);
    for (let i = 0; i < chunk.length; i++) joined[this.history.length + i] = (chunk[i] as number) / 32768;

    const out: number[] = [];
    const { halfWidth, cutoff } = this;
    while (this.position + halfWidth < joined.length) {
      const center = this.position;
      const first = Math.ceil(center - halfWidth);
      const last = Math.floor(center + halfWidth);
      let sum = 0;
      let norm = 0;
      for (let j = Math.max(0, first); j <= last; j++) {
        const x = j - center;
        const w = kernel(x, cutoff, halfWidth);
        sum += (joined[j] as number) * w;
        norm += w;
      }
      out.push(norm === 0 ? 0 : sum / norm);
      this.position += this.step;
    }
    // Keep what the next outputs' kernels still reach.
    const keepFrom = Math.max(0, Math.floor(this.position - halfWidth) - 1);
    this.history = joined.slice(keepFrom);
    this.position -= keepFrom;

    const result = new Int16Array(out.length);
    for (let i = 0; i < out.length; i++) {
      result[i] = Math.max(-32768, Math.min(32767, Math.round((out[i] as number) * 32768)));
    }
    return result;
  }
}

/** Lowpass sinc at `cutoff` (fraction of the input Nyquist) under a Blackman window of `halfWidth`. */
function kernel(x: number, cutoff: number, halfWidth: number): number {
  if (Math.abs(x) >= halfWidth) return 0;
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
  const t = (x / halfWidth + 1) / 2;
  const window = 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t);
  return sinc * window;
}
