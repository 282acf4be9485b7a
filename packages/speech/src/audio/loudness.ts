import { ErrorCode, type PcmAudio, VisemoError } from '@visemo/core';

/**
 * Integrated loudness as ITU-R BS.1770-4 defines it and EBU R 128 uses it, for mono audio:
 * K-weighting (a high shelf for the head's acoustic effect, then a high-pass), mean square over
 * 400 ms blocks overlapping by 75 %, an absolute gate at −70 LUFS and a relative gate 10 LU under
 * the loudness of the blocks that passed it.
 *
 * BS.1770 gives the two filters' coefficients at 48 kHz only; for other rates they are derived
 * from the analogue prototypes behind that table (centre frequency, gain and Q, as libebur128
 * does), which reproduces the 48 kHz table to 1e-8.
 */

/** A biquad's coefficients, with a0 normalised to 1. */
export interface Biquad {
  b: [number, number, number];
  a: [number, number];
}

/** Loudness of a block is −0.691 + 10·log10(mean square): −0.691 cancels K-weighting's gain at 997 Hz. */
const LOUDNESS_OFFSET = -0.691;
const BLOCK_MS = 400;
const STEP_MS = 100;
const ABSOLUTE_GATE_LUFS = -70;
const RELATIVE_GATE_LU = -10;

/** The two K-weighting stages at `sampleRate`: the high shelf, then the high-pass. */
export function kWeightingFilters(sampleRate: number): [shelf: Biquad, highPass: Biquad] {
  if (!Number.isFinite(sampleRate) || sampleRate < 8000) {
    throw new VisemoError(
      ErrorCode.BadAudio,
      `loudness needs a sample rate of 8 kHz or more, not ${sampleRate}`,
    );
  }
  // Stage 1: high shelf, +4 dB above about 1.7 kHz.
  let f0 = 1681.974450955533;
  let q = 0.7071752369554196;
  const gainDb = 3.999843853973347;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0],
    a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0],
  };
  // Stage 2: second-order high-pass at about 38 Hz ("RLB" weighting); its numerator is 1, −2, 1.
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b: [1, -2, 1], a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0] };
  return [shelf, highPass];
}

/** The K-weighted signal, samples scaled so that full scale is ±1. */
function kWeighted(audio: PcmAudio): Float64Array {
  const out = new Float64Array(audio.samples.length);
  for (let i = 0; i < out.length; i++) out[i] = (audio.samples[i] as number) / 32768;
  for (const { b, a } of kWeightingFilters(audio.sampleRate)) {
    // Direct form II transposed.
    let z1 = 0;
    let z2 = 0;
    for (let i = 0; i < out.length; i++) {
      const x = out[i] as number;
      const y = b[0] * x + z1;
      z1 = b[1] * x - a[0] * y + z2;
      z2 = b[2] * x - a[1] * y;
      out[i] = y;
    }
  }
  return out;
}

function loudnessOf(meanSquare: number): number {
  return LOUDNESS_OFFSET + 10 * Math.log10(meanSquare);
}

/**
 * Integrated loudness of `audio` in LUFS; `-Infinity` when no block passes the absolute gate
 * (silence, or audio shorter than one 400 ms block).
 */
export function integratedLoudness(audio: PcmAudio): number {
  const weighted = kWeighted(audio);
  const block = Math.round((audio.sampleRate * BLOCK_MS) / 1000);
  const step = Math.round((audio.sampleRate * STEP_MS) / 1000);
  // Prefix sums of squares make each block's mean square one subtraction.
  const energy = new Float64Array(weighted.length + 1);
  for (let i = 0; i < weighted.length; i++)
    energy[i + 1] = (energy[i] as number) + (weighted[i] as number) ** 2;
  const blocks: number[] = [];
  for (let start = 0; start + block <= weighted.length; start += step) {
    blocks.push(((energy[start + block] as number) - (energy[start] as number)) / block);
  }
  const audible = blocks.filter((z) => loudnessOf(z) > ABSOLUTE_GATE_LUFS);
  if (audible.length === 0) return Number.NEGATIVE_INFINITY;
  const relativeGate = loudnessOf(mean(audible)) + RELATIVE_GATE_LU;
  const gated = audible.filter((z) => loudnessOf(z) > relativeGate);
  return loudnessOf(mean(gated));
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
