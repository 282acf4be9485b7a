import type { PcmAudio } from '@visemo/core';

/**
 * Samples this close to full scale count as clipped, −0.1 dBFS (|sample| ≥ 32,391): a clipped
 * waveform sits flat at the rail, and a converter or codec that rounds may leave it a step below.
 */
export const CLIPPING_DBFS = -0.1;

/** The share (0..1) of `audio`'s samples at or above `dbfs` of full scale; 0 for empty audio. */
export function clippedShare(audio: PcmAudio, dbfs = CLIPPING_DBFS): number {
  const n = audio.samples.length;
  if (n === 0) return 0;
  const bar = 32768 * 10 ** (dbfs / 20);
  let clipped = 0;
  for (let i = 0; i < n; i++) if (Math.abs(audio.samples[i] as number) >= bar) clipped++;
  return clipped / n;
}
