import { EMBEDDED_LANGUAGES, findSpokenLanguage } from '@visemo/core';

/** A run of digits in a transcript, said one at a time: "four eight two nine one three". */
export interface SpokenDigits {
  start: number;
  end: number;
  digits: string;
  /** Said after "plus": a phone number with its country code. */
  international: boolean;
}

/**
 * The digit words of every language the embedded stages speak ("four", "quatre", "zéro"): a
 * transcript does not say its language here. The few that are words elsewhere ("UN", "Sept") make
 * runs far shorter than any number worth redacting.
 */
const DIGIT_OF_WORD = new Map<string, string>(
  EMBEDDED_LANGUAGES.flatMap((code) =>
    (findSpokenLanguage(code)?.digitWords ?? []).map((word, digit): [string, string] => [
      word,
      String(digit),
    ]),
  ),
);
/** Recognizers write zero as "oh" inside a code; alone, "oh" is a word. */
const ZERO_WORDS = new Set(['oh', 'o']);
const REPEATS: Record<string, number> = { double: 2, triple: 3 };
const WORD = /\p{L}+|\d+/gu;
/** What may stand between two digits of one run: spaces, commas, hyphens ("four-eight"). */
const GAP = /^[\s,-]*$/;

interface Word {
  text: string;
  start: number;
  end: number;
}

/**
 * Digit runs said as words, with numerals mixed in ("four 8 two"), "oh" for zero and
 * "double five" for 55. Runs made of numerals alone are left to the written-form detectors.
 */
export function findSpokenDigits(text: string): SpokenDigits[] {
  const words: Word[] = [...text.matchAll(WORD)].map((m) => ({
    text: m[0].toLowerCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));
  const runs: SpokenDigits[] = [];
  let i = 0;
  while (i < words.length) {
    const run = readRun(text, words, i);
    if (!run) {
      i++;
      continue;
    }
    if (run.spoken) {
      const before = words[i - 1];
      const international = before?.text === 'plus' && GAP.test(text.slice(before.end, run.start));
      runs.push({
        start: international && before ? before.start : run.start,
        end: run.end,
        digits: run.digits,
        international,
      });
    }
    i = run.next;
  }
  return runs;
}

function readRun(
  text: string,
  words: Word[],
  from: number,
): { start: number; end: number; digits: string; spoken: boolean; next: number } | null {
  let digits = '';
  let spoken = false;
  let end = -1;
  let i = from;
  while (i < words.length) {
    const word = words[i] as Word;
    if (i > from && !GAP.test(text.slice((words[i - 1] as Word).end, word.start))) break;
    const repeat = REPEATS[word.text];
    const next = words[i + 1];
    if (repeat !== undefined && next && GAP.test(text.slice(word.end, next.start))) {
      const digit = digitOf(next.text, true);
      if (digit === null || digit.length !== 1) break;
      digits += digit.repeat(repeat);
      spoken = true;
      end = next.end;
      i += 2;
      continue;
    }
    const digit = digitOf(word.text, digits.length > 0 || startsCode(words, i, text));
    if (digit === null) break;
    if (!/^\d+$/.test(word.text)) spoken = true;
    digits += digit;
    end = word.end;
    i++;
  }
  if (digits.length === 0) return null;
  return { start: (words[from] as Word).start, end, digits, spoken, next: i };
}

function digitOf(word: string, zeroWordsAllowed: boolean): string | null {
  if (/^\d+$/.test(word)) return word;
  if (ZERO_WORDS.has(word)) return zeroWordsAllowed ? '0' : null;
  return DIGIT_OF_WORD.get(word) ?? null;
}

/** "oh" opens a run only when a digit follows it: "oh four nine", not "oh, I see". */
function startsCode(words: Word[], i: number, text: string): boolean {
  const word = words[i] as Word;
  const next = words[i + 1];
  if (!next || !GAP.test(text.slice(word.end, next.start))) return false;
  return /^\d+$/.test(next.text) || DIGIT_OF_WORD.has(next.text) || ZERO_WORDS.has(next.text);
}
