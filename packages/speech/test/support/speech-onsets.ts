import type { PcmAudio, VisemeCue } from '@visemo/core';
import { frameRms } from '../../src/align/opening-silence.js';

/**
 * Where speech starts after a pause, seen two ways: in the audio (frame energy) and in a viseme
 * track (the mouth leaving `sil`). Lip-sync is in step when the two lists agree.
 */

const FRAME_MS = 10;
/** A pause is at least this long; shorter dips are closures inside words (the silence of a `p`). */
const MIN_PAUSE_MS = 120;

/**
 * Starts of speech in `audio`, in ms: frames louder than 40 dB under the utterance's loudest
 * frame (at least 25 RMS), after at least `MIN_PAUSE_MS` of quieter frames or the start.
 */
export function energyOnsets(audio: PcmAudio): number[] {
  const rms = frameRms(audio, FRAME_MS);
  const threshold = Math.max(25, Math.max(...rms, 0) * 10 ** (-40 / 20));
  const onsets: number[] = [];
  let quiet = MIN_PAUSE_MS;
  for (const [k, value] of rms.entries()) {
    if (value >= threshold) {
      if (quiet >= MIN_PAUSE_MS) onsets.push(k * FRAME_MS);
      quiet = 0;
    } else quiet += FRAME_MS;
  }
  return onsets;
}

/** Starts of speech in a viseme track: a cue other than `sil` after `MIN_PAUSE_MS` of `sil` or the start. */
export function visemeOnsets(visemes: readonly VisemeCue[]): number[] {
  const onsets: number[] = [];
  let silentSince = -MIN_PAUSE_MS;
  let silent = true;
  for (const cue of visemes) {
    if (cue.viseme === 'sil') {
      if (!silent) silentSince = cue.startMs;
      silent = true;
      continue;
    }
    if (silent && cue.startMs - silentSince >= MIN_PAUSE_MS) onsets.push(cue.startMs);
    silent = false;
  }
  return onsets;
}

/**
 * Each audio onset paired with the nearest viseme onset within `withinMs`: the signed offsets
 * (viseme minus audio, ms; negative = the mouth moves before the sound) and how many found none.
 */
export function onsetOffsets(
  audio: readonly number[],
  visemes: readonly number[],
  withinMs = 250,
): { offsets: number[]; unmatched: number } {
  const offsets: number[] = [];
  let unmatched = 0;
  for (const a of audio) {
    let best: number | undefined;
    for (const v of visemes) if (best === undefined || Math.abs(v - a) < Math.abs(best - a)) best = v;
    if (best !== undefined && Math.abs(best - a) <= withinMs) offsets.push(best - a);
    else unmatched++;
  }
  return { offsets, unmatched };
}
