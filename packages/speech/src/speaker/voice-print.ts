import type { PcmAudio } from '@visemo/core';
import { pitchTrack } from '../audio/pitch.js';
import { CEPSTRA, melCepstra } from './mel-cepstrum.js';

/**
 * What one utterance says about who spoke it: the average shape of their spectrum (the vocal
 * tract, and the microphone, which one kiosk's speakers share), how much it moves, and where their
 * voice sits. Plain statistics, no trained model: see docs/decisions/0203-speaker-change-detection.md.
 */
export interface VoicePrint {
  /** Mean of the cepstra c1..c19 over voiced frames (nepers; c1 is the spectral tilt). */
  mean: Float64Array;
  /** Their standard deviation over the same frames. */
  spread: Float64Array;
  /** Median F0 of the voiced frames, in semitones above 100 Hz; NaN when nothing was voiced. */
  pitch: number;
  /** Seconds of speech the statistics come from: how much to trust them. */
  seconds: number;
}

/** Fewer voiced frames than this, and the loud frames stand in for them (whispers, noisy rooms). */
const MIN_VOICED_FRAMES = 20;
/** Loud frames: within this many nepers of log power of the loudest (about 30 dB). */
const LOUD_RANGE = Math.log(1000);

/**
 * The voice print of an utterance (16 kHz or any rate). The cepstral mean is kept, not
 * subtracted: it is the strongest cue of who speaks in a few seconds, and on one microphone the
 * channel it also holds is the same for everyone.
 */
export function voicePrint(audio: PcmAudio): VoicePrint {
  const { cepstra, energy } = melCepstra(audio.samples, audio.sampleRate);
  const f0 = pitchTrack(audio);
  // A pitch window (40 ms) starts 0.75 hops before the 25 ms cepstrum window with the same centre.
  const pitchAt = (frame: number) => f0[Math.max(0, frame - 1)] ?? 0;
  let frames = cepstra.map((_, j) => j).filter((j) => pitchAt(j) > 0);
  if (frames.length < MIN_VOICED_FRAMES) {
    const loudest = Math.max(-Infinity, ...energy);
    frames = energy.map((_, j) => j).filter((j) => (energy[j] as number) >= loudest - LOUD_RANGE);
  }
  const mean = new Float64Array(CEPSTRA);
  const spread = new Float64Array(CEPSTRA);
  for (const j of frames) {
    const c = cepstra[j] as Float64Array;
    for (let k = 0; k < CEPSTRA; k++) mean[k] = (mean[k] as number) + (c[k] as number) / frames.length;
  }
  for (const j of frames) {
    const c = cepstra[j] as Float64Array;
    for (let k = 0; k < CEPSTRA; k++)
      spread[k] = (spread[k] as number) + ((c[k] as number) - (mean[k] as number)) ** 2 / frames.length;
  }
  for (let k = 0; k < CEPSTRA; k++) spread[k] = Math.sqrt(spread[k] as number);
  const voiced = f0.filter((hz) => hz > 0).map((hz) => 12 * Math.log2(hz / 100));
  // One frame every 10 ms.
  return { mean, spread, pitch: median(voiced), seconds: frames.length / 100 };
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
