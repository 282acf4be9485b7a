import { ENGLISH, type SpokenLanguage } from '@visemo/core';
import { readFrenchNumber } from './french-numbers.js';
import { foldedDigitWords } from './spoken-digits.js';

/**
 * Numbers as people write them and as a speech recognizer spells them out: "25", "1,200",
 * "twenty five", "one hundred and five", "three thousand two hundred"; and codes read digit by
 * digit: "one two three", "oh four", "double five".
 */

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

const REPEATS: Record<string, number> = { double: 2, triple: 3 };

export interface NumberSpan {
  /** Token index of the first and one past the last token. */
  from: number;
  to: number;
  value: number;
}

const NUMERAL_RE = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$/;

type Last = 'none' | 'unit' | 'teen' | 'tens' | 'hundred' | 'thousand';

/**
 * Reads the longest number that starts at token `from`: a numeral, or number words (of
 * `language`) up to the thousands. Returns null when no number starts there.
 */
export function readNumber(
  words: readonly string[],
  from: number,
  language: SpokenLanguage = ENGLISH,
): NumberSpan | null {
  const first = words[from];
  if (first === undefined) return null;
  if (NUMERAL_RE.test(first)) return { from, to: from + 1, value: Number(first.replace(/,/g, '')) };
  return language.code === 'fr' ? readFrenchNumber(words, from) : readEnglishNumber(words, from);
}

function readEnglishNumber(words: readonly string[], from: number): NumberSpan | null {
  const first = words[from] as string;
  if (first === 'zero') return { from, to: from + 1, value: 0 };

  let total = 0;
  let group = 0;
  let last: Last = 'none';
  let end = from;
  let i = from;
  // "a hundred", "a thousand"
  if (first === 'a' && (words[from + 1] === 'hundred' || words[from + 1] === 'thousand')) {
    group = 1;
    last = 'unit';
    i = from + 1;
  }
  for (; i < words.length; i++) {
    const w = words[i] as string;
    const unit = w === 'zero' ? undefined : UNITS[w];
    if (
      unit !== undefined &&
      (last === 'none' || last === 'tens' || last === 'hundred' || last === 'thousand')
    ) {
      group += unit;
      last = 'unit';
    } else if (TEENS[w] !== undefined && (last === 'none' || last === 'hundred' || last === 'thousand')) {
      group += TEENS[w] as number;
      last = 'teen';
    } else if (TENS[w] !== undefined && (last === 'none' || last === 'hundred' || last === 'thousand')) {
      group += TENS[w] as number;
      last = 'tens';
    } else if (w === 'hundred' && group > 0 && group < 100 && last !== 'hundred' && last !== 'thousand') {
      group *= 100;
      last = 'hundred';
    } else if (w === 'thousand' && group > 0 && total === 0 && last !== 'thousand') {
      total = group * 1000;
      group = 0;
      last = 'thousand';
    } else if (
      w === 'and' &&
      (last === 'hundred' || last === 'thousand') &&
      startsSmallNumber(words[i + 1])
    ) {
      continue;
    } else {
      break;
    }
    end = i + 1;
  }
  if (end === from) return null;
  return { from, to: end, value: total + group };
}

function startsSmallNumber(word: string | undefined): boolean {
  return (
    word !== undefined && (UNITS[word] !== undefined || TEENS[word] !== undefined || TENS[word] !== undefined)
  );
}

export interface DigitSpan {
  from: number;
  to: number;
  digits: string;
}

/**
 * Reads a run of digits starting at token `from`: numerals without separators and digit words of
 * `language`, with "double"/"triple" repeating the next digit. Returns null when no digit starts there.
 */
export function readDigits(
  words: readonly string[],
  from: number,
  language: SpokenLanguage = ENGLISH,
): DigitSpan | null {
  const digitWords = foldedDigitWords(language);
  const singleDigit = (word: string) => (/^\d$/.test(word) ? word : digitWords[word]);
  let digits = '';
  let end = from;
  let spoken = false;
  let i = from;
  while (i < words.length) {
    const w = words[i] as string;
    const repeat = REPEATS[w];
    if (repeat !== undefined) {
      const next = words[i + 1];
      const d = next === undefined ? undefined : singleDigit(next);
      if (d === undefined) break;
      digits += d.repeat(repeat);
      spoken = true;
      i += 2;
      end = i;
      continue;
    }
    if (/^\d+$/.test(w)) {
      digits += w;
    } else {
      const d = digitWords[w];
      if (d === undefined) break;
      digits += d;
      spoken = true;
    }
    i += 1;
    end = i;
  }
  if (end === from) return null;
  // "oh" or "o" alone is an interjection or a letter, not a code.
  if (spoken && /^0+$/.test(digits) && words.slice(from, end).every((w) => w === 'oh' || w === 'o'))
    return null;
  return { from, to: end, digits };
}
