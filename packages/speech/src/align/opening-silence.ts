import { type PcmAudio, phonesToVisemes } from '@visemo/core';
import type { Alignment } from './forced-aligner.js';

/** Frames this far under the loudest are silence (also the bar weak onsets like /h/ and /th/ clear). */
const SILENCE_DB = -40;
const FRAME_MS = 10;

/** RMS of each `frameMs` frame of `audio` (a last partial frame left out). */
export function frameRms(audio: PcmAudio, frameMs = FRAME_MS): number[] {
  const hop = Math.round((audio.sampleRate * frameMs) / 1000);
  const rms: number[] = [];
  for (let i = 0; i + hop <= audio.samples.length; i += hop) {
    let sum = 0;
    for (let j = i; j < i + hop; j++) sum += (audio.samples[j] as number) ** 2;
    rms.push(Math.sqrt(sum / hop));
  }
  return rms;
}

/** Where sound starts in `audio`, ms: the first 10 ms frame within 40 dB of the loudest. */
export function soundStartMs(audio: PcmAudio): number {
  const rms = frameRms(audio);
  const bar = Math.max(...rms, 0) * 10 ** (SILENCE_DB / 20);
  const first = rms.findIndex((value) => value > 0 && value >= bar);
  return first < 0 ? 0 : first * FRAME_MS;
}

/**
 * Silence before the first sound, ms, with `soundStartMs`'s bar (40 dB under the loudest frame);
 * all of `audio` when no frame in it is louder than digital silence.
 */
export function leadingSilenceMs(audio: PcmAudio): number {
  if (!frameRms(audio).some((value) => value > 0)) return (audio.samples.length / audio.sampleRate) * 1000;
  return soundStartMs(audio);
}

/**
 * An alignment whose first phone starts where the sound does. The aligner lets the first phone
 * absorb an opening silence shorter than its silence model's minimum (about 50–70 ms: Pico's), so
 * the mouth would open before anything is heard; the silence becomes a `pau` instead.
 */
export function startAtSound(alignment: Alignment, audio: PcmAudio): Alignment {
  const first = alignment.phones[0];
  const startMs = soundStartMs(audio);
  if (!first || first.phone === 'pau' || startMs <= first.startMs || startMs >= first.endMs) return alignment;
  const phones = [
    { phone: 'pau', startMs: first.startMs, endMs: startMs },
    { ...first, startMs },
    ...alignment.phones.slice(1),
  ];
  const words = alignment.words.map((w, i) => (i === 0 && w.startMs < startMs ? { ...w, startMs } : w));
  return { words, phones, visemes: phonesToVisemes(phones, { alphabet: 'arpabet' }) };
}
