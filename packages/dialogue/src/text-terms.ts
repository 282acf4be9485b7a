import type { SpokenLanguage } from '@visemo/core';
import { stemmer } from 'stemmer';
import { frenchTerms } from './french-terms.js';

/**
 * English function words plus the filler of spoken questions ("can you tell me", "I want to
 * know"): they carry no topic, and a retrieval score should not rise or fall with them.
 */
const STOP_WORDS = new Set(
  `a about above after again against all am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have
  having he her here hers herself him himself his how i if in into is it its itself just me more most
  my myself no nor not of off on once only or other our ours ourselves out over own same she should so
  some such than that the their theirs them themselves then there these they this those through to too
  under until up very was we were what when where which while who whom why will with would you your
  yours yourself yourselves t don doesn didn isn aren wasn weren won wouldn couldn shouldn ll ve re d
  im ive id youre hi hello hey please thanks thank ok okay yes yeah yep uh um er hmm well like just also
  really actually maybe tell know want wanted need needs wondering wonder question ask asking let get got
  getting say said thing things something anything one much many lot bit kind sort way going go us shall
  might must may`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lowercase words without accents; `n't` becomes `not`, other clitics (`'s`, `'re`) are dropped. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/n['’]t\b/g, ' not')
    .replace(/['’]\p{L}*/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Whether a word or term is a number ("19", "2nd", "42eu"): numbers are kept as they are, unstemmed. */
export function isNumberTerm(word: string): boolean {
  return /^\d/.test(word);
}

/**
 * The terms a text is indexed and searched by: content words, stemmed (Porter). Single letters
 * stay: they are sizes ("size L") and grades as often as noise.
 */
export function terms(text: string): string[] {
  return englishTerms(text);
}

/** How texts of `language` become terms (English for a language without its own). */
export function termsFor(language: SpokenLanguage): (text: string) => string[] {
  return language.code === 'fr' ? (text) => frenchTerms(text, isNumberTerm) : englishTerms;
}

function englishTerms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (STOP_WORDS.has(word)) continue;
    out.push(isNumberTerm(word) ? word : stemmer(word));
  }
  return out;
}
