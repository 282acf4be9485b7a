import type { PhoneTiming, WordTiming } from '@visemo/core';
import { phonesToVisemes } from '@visemo/core';
import { graphemesToPhones, lettersToPhones, spokenNumber } from '@visemo/speech';
import type { Timings } from '../timing/timing.js';

/** ElevenLabs' `alignment` / `normalized_alignment` object: one entry per character of the text. */
export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

interface TimedChar {
  char: string;
  startMs: number;
  endMs: number;
}

const WORD_CHAR = /[\p{L}\p{N}']/u;

function timedChars(a: CharacterAlignment): TimedChar[] {
  const n = Math.min(
    a.characters.length,
    a.character_start_times_seconds.length,
    a.character_end_times_seconds.length,
  );
  return Array.from({ length: n }, (_, i) => ({
    char: a.characters[i] as string,
    startMs: (a.character_start_times_seconds[i] as number) * 1000,
    endMs: (a.character_end_times_seconds[i] as number) * 1000,
  }));
}

/** Runs of word characters (letters, digits, apostrophes) with their characters. */
function wordRuns(chars: readonly TimedChar[]): TimedChar[][] {
  const runs: TimedChar[][] = [];
  let run: TimedChar[] = [];
  for (const c of chars) {
    if (WORD_CHAR.test(c.char)) run.push(c);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs.map((r) => trimApostrophes(r)).filter((r) => r.length > 0);
}

function trimApostrophes(run: TimedChar[]): TimedChar[] {
  let a = 0;
  let b = run.length;
  while (a < b && run[a]?.char === "'") a++;
  while (b > a && run[b - 1]?.char === "'") b--;
  return run.slice(a, b);
}

/** Word timings from character timings: a word spans its first character's start to its last's end. */
export function wordsFromCharacters(alignment: CharacterAlignment): WordTiming[] {
  return wordRuns(timedChars(alignment)).map((run) => ({
    word: run.map((c) => c.char).join(''),
    startMs: Math.round((run[0] as TimedChar).startMs),
    endMs: Math.round((run[run.length - 1] as TimedChar).endMs),
  }));
}

/**
 * Phones from character timings, approximately: each word is split into graphemes by English
 * letter rules (`th`, `sh`, silent final `e`, …), a grapheme's phones share its characters' time,
 * and time outside words is a pause. A number is read as English words spread over its digits.
 * The vendor's timings are exact per character; the letters → phones step is the approximation
 * (English spelling), so shapes can be wrong in irregular words while their timing stays right.
 */
export function phonesFromCharacters(alignment: CharacterAlignment): PhoneTiming[] {
  const chars = timedChars(alignment);
  const phones: PhoneTiming[] = [];
  let cursor = 0;
  const push = (phone: string, startMs: number, endMs: number) => {
    if (endMs > startMs) phones.push({ phone, startMs: Math.round(startMs), endMs: Math.round(endMs) });
  };
  for (const run of wordRuns(chars)) {
    const start = (run[0] as TimedChar).startMs;
    const end = (run[run.length - 1] as TimedChar).endMs;
    if (start > cursor) push('pau', cursor, start);
    const word = run.map((c) => c.char).join('');
    if (/^\d+$/.test(word)) {
      spread(spokenNumber(Number(word)).flatMap(lettersToPhones), start, end, push);
    } else {
      const graphemes = graphemesToPhones(word);
      for (const g of graphemes) {
        const first = run[Math.min(g.start, run.length - 1)] as TimedChar;
        const last = run[Math.min(g.end - 1, run.length - 1)] as TimedChar;
        spread(
          g.phones.map((p) => p),
          first.startMs,
          last.endMs,
          push,
        );
      }
    }
    cursor = Math.max(cursor, end);
  }
  const last = chars[chars.length - 1];
  if (last && last.endMs > cursor) push('pau', cursor, last.endMs);
  return phones;
}

function spread(
  phones: readonly string[],
  startMs: number,
  endMs: number,
  push: (phone: string, startMs: number, endMs: number) => void,
): void {
  const each = (endMs - startMs) / Math.max(1, phones.length);
  for (const [i, p] of phones.entries()) push(p.toLowerCase(), startMs + i * each, startMs + (i + 1) * each);
}

/**
 * Timings for an ElevenLabs answer. Words come from `alignment` (it matches the text sent, so
 * captions match); phones from `normalized_alignment` when present (numbers and abbreviations
 * already spelled out as spoken).
 */
export function timingsFromCharacters(
  alignment: CharacterAlignment,
  normalized?: CharacterAlignment | null,
): Timings {
  const phones = phonesFromCharacters(normalized ?? alignment);
  return {
    words: wordsFromCharacters(alignment),
    phones,
    visemes: phonesToVisemes(phones, { alphabet: 'arpabet' }),
    source: 'vendor',
  };
}
