import { DIGIT_WORDS, digitsToWords, MAX_SPELLED_NUMBER, numberToWords } from '../number-words.js';
import { FRENCH_DIGIT_WORDS, frenchNumberToWords } from './french-number-words.js';

/**
 * What the embedded speech and language stages need to know of the language an agent speaks: how
 * its numbers are said (the grammar recognizer must accept them, the NLU read them, the aligner
 * and the training variants spell them) and what anyone says to any agent in it.
 */
export interface SpokenLanguage {
  /** ISO 639-1: `en`, `fr`. */
  code: 'en' | 'fr';
  /** English name, for a language model's instructions and messages. */
  name: string;
  /** The word for each digit 0–9, as a dictionary writes it. */
  digitWords: readonly string[];
  /** Other words said for a digit when reading a code ("oh" for 0), with the digit. */
  digitAliases: Readonly<Record<string, string>>;
  /** A whole number 0..999,999,999 as words, separated by single spaces; RangeError outside. */
  numberToWords(n: number): string;
  /** A digit string read one digit at a time. */
  digitsToWords(digits: string): string;
  /** The words said for `&`, `%` and a decimal point. */
  symbolWords: { and: string; percent: string; decimalPoint: string };
}

export const ENGLISH: SpokenLanguage = {
  code: 'en',
  name: 'English',
  digitWords: DIGIT_WORDS,
  digitAliases: { oh: '0' },
  numberToWords,
  digitsToWords,
  symbolWords: { and: 'and', percent: 'percent', decimalPoint: 'point' },
};

export const FRENCH: SpokenLanguage = {
  code: 'fr',
  name: 'French',
  digitWords: FRENCH_DIGIT_WORDS,
  digitAliases: { zero: '0' },
  numberToWords: (n) => frenchNumberToWords(n, MAX_SPELLED_NUMBER),
  digitsToWords: (digits) => [...digits].map((d) => FRENCH_DIGIT_WORDS[Number(d)] ?? d).join(' '),
  symbolWords: { and: 'et', percent: 'pour cent', decimalPoint: 'virgule' },
};

const LANGUAGES: Record<string, SpokenLanguage> = { en: ENGLISH, fr: FRENCH };

/** The languages the embedded recognizer, NLU and fixed replies speak, by ISO 639-1 code. */
export const EMBEDDED_LANGUAGES = Object.keys(LANGUAGES);

/**
 * The spoken language of a BCP 47 tag (`fr-FR`, `fr-CA` and `fr` are French), or undefined when
 * the embedded stages do not speak it.
 */
export function findSpokenLanguage(tag: string): SpokenLanguage | undefined {
  return LANGUAGES[tag.toLowerCase().split(/[-_]/)[0] ?? ''];
}

/**
 * The spoken language of a BCP 47 tag; English for a language the embedded stages do not speak,
 * whose agent needs cloud or self-hosted speech and a language model anyway (docs/languages.md).
 */
export function spokenLanguage(tag: string | undefined): SpokenLanguage {
  return (tag && findSpokenLanguage(tag)) || ENGLISH;
}
