import type { PhoneTiming, WordTiming } from '@visemo/core';
import { phonesToVisemes } from '@visemo/core';
import type { Alignment, PronouncedWord } from './forced-aligner.js';
import { lettersToPhones, speakableWords } from './letters.js';

/**
 * Timings from text alone: every phone gets the same share of `durationMs`. This is what a provider
 * without timings and without an aligner can do; docs/lipsync-alignment.md measures how far off
 * it is.
 */
export function estimateAlignment(words: readonly PronouncedWord[], durationMs: number): Alignment {
  const count = words.reduce((n, w) => n + w.phones.length, 0);
  if (count === 0 || durationMs <= 0) return { words: [], phones: [], visemes: [] };
  const each = durationMs / count;
  const phones: PhoneTiming[] = [];
  const timed: WordTiming[] = [];
  let t = 0;
  for (const w of words) {
    const start = t;
    for (const p of w.phones) {
      phones.push({ phone: p.toLowerCase(), startMs: Math.round(t), endMs: Math.round(t + each) });
      t += each;
    }
    timed.push({ word: w.word, startMs: Math.round(start), endMs: Math.round(t) });
  }
  return { words: timed, phones, visemes: phonesToVisemes(phones, { alphabet: 'arpabet' }) };
}

/** `estimateAlignment` with letter-rule pronunciations, for when no dictionary is loaded. */
export function estimateAlignmentFromText(text: string, durationMs: number): Alignment {
  return estimateAlignment(
    speakableWords(text).map((word) => ({ word, phones: lettersToPhones(word), inDictionary: false })),
    durationMs,
  );
}
