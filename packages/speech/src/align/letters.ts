import { digitsToWords, numberToWords } from '@visemo/core';

/**
 * Letter-to-sound rules for English, approximate: enough to give a word the right number and kind
 * of mouth shapes when no dictionary knows it (names, brands, typos) and to map a TTS vendor's
 * per-character timings to phones. Output is ARPAbet in upper case, the alignment model's phone set.
 * It is not a pronunciation dictionary: "though" comes out as DH OW, "tough" as T OW.
 */

/** Multi-letter spellings first, longest first; each maps to phones (possibly none). */
const GRAPHEMES: readonly (readonly [string, readonly string[]])[] = [
  ['tch', ['CH']],
  ['dge', ['JH']],
  ['igh', ['AY']],
  ['ough', ['OW']],
  ['augh', ['AO']],
  ['eigh', ['EY']],
  ['tion', ['SH', 'AH', 'N']],
  ['sion', ['ZH', 'AH', 'N']],
  ['th', ['TH']],
  ['sh', ['SH']],
  ['ch', ['CH']],
  ['ph', ['F']],
  ['wh', ['W']],
  ['ck', ['K']],
  ['ng', ['NG']],
  ['qu', ['K', 'W']],
  ['gh', []],
  ['kn', ['N']],
  ['wr', ['R']],
  ['ee', ['IY']],
  ['ea', ['IY']],
  ['oo', ['UW']],
  ['ou', ['AW']],
  ['ow', ['OW']],
  ['oi', ['OY']],
  ['oy', ['OY']],
  ['ai', ['EY']],
  ['ay', ['EY']],
  ['au', ['AO']],
  ['aw', ['AO']],
  ['ie', ['IY']],
  ['ei', ['EY']],
  ['ey', ['IY']],
  ['oa', ['OW']],
  ['ue', ['UW']],
  ['ew', ['UW']],
  ['ar', ['AA', 'R']],
  ['er', ['ER']],
  ['ir', ['ER']],
  ['ur', ['ER']],
  ['or', ['AO', 'R']],
];

const SINGLE: Readonly<Record<string, readonly string[]>> = {
  a: ['AE'],
  b: ['B'],
  c: ['K'],
  d: ['D'],
  e: ['EH'],
  f: ['F'],
  g: ['G'],
  h: ['HH'],
  i: ['IH'],
  j: ['JH'],
  k: ['K'],
  l: ['L'],
  m: ['M'],
  n: ['N'],
  o: ['AA'],
  p: ['P'],
  q: ['K'],
  r: ['R'],
  s: ['S'],
  t: ['T'],
  u: ['AH'],
  v: ['V'],
  w: ['W'],
  x: ['K', 'S'],
  y: ['Y'],
  z: ['Z'],
};

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);

/** One spelled unit of a word: the letters `[start, end)` and the phones they sound as. */
export interface GraphemePhones {
  start: number;
  end: number;
  phones: readonly string[];
}

/**
 * Splits a word into graphemes with their phones. Letters outside a–z (digits, accents after
 * NFD stripping fails) give no phones. Soft c/g before e, i, y; final silent e; y as a vowel
 * after a consonant; a vowel before consonant + final e is long (make, time, home, cute).
 */
export function graphemesToPhones(word: string): GraphemePhones[] {
  const w = word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const out: GraphemePhones[] = [];
  let i = 0;
  while (i < w.length) {
    const rest = w.slice(i);
    const multi = GRAPHEMES.find(([g]) => rest.startsWith(g));
    if (multi) {
      out.push({ start: i, end: i + multi[0].length, phones: multi[1] });
      i += multi[0].length;
      continue;
    }
    const c = w[i] as string;
    const next = w[i + 1];
    const prev = w[i - 1];
    let phones: readonly string[] = SINGLE[c] ?? [];
    if (c === 'c' && next && 'eiy'.includes(next)) phones = ['S'];
    else if (c === 'g' && next && 'eiy'.includes(next) && i > 0) phones = ['JH'];
    else if (c === 'e' && i === w.length - 1 && i > 1) phones = [];
    else if (c === 'y')
      phones = i === 0 ? ['Y'] : i === w.length - 1 ? ['IY'] : prev && !VOWELS.has(prev) ? ['IH'] : ['Y'];
    else if ('aeiou'.includes(c) && next && !VOWELS.has(next) && w[i + 2] === 'e' && i + 3 === w.length) {
      phones = { a: ['EY'], e: ['IY'], i: ['AY'], o: ['OW'], u: ['UW'] }[c as 'a'] ?? phones;
    } else if (c === 's' && prev && VOWELS.has(prev) && next && VOWELS.has(next)) phones = ['Z'];
    // A doubled consonant sounds once.
    if (prev === c && !VOWELS.has(c)) phones = [];
    out.push({ start: i, end: i + 1, phones });
    i += 1;
  }
  return out;
}

/** The word's phones by the rules above (ARPAbet, upper case, no stress). */
export function lettersToPhones(word: string): string[] {
  const phones = graphemesToPhones(word).flatMap((g) => g.phones);
  return phones.length > 0 ? phones : ['AH'];
}

/** 0–999 999 as English words; larger numbers are read digit by digit. */
export function spokenNumber(n: number): string[] {
  const words = Number.isInteger(n) && n >= 0 && n <= 999_999 ? numberToWords(n) : digitsToWords(String(n));
  return words.split(' ');
}

/**
 * The words of a text as a recognizer's dictionary spells them: lower case, punctuation dropped
 * (apostrophes inside words kept), numbers spelled out.
 */
export function speakableWords(text: string): string[] {
  const words: string[] = [];
  for (const token of text.toLowerCase().split(/[^\p{L}\p{N}']+/u)) {
    const t = token.replace(/^'+|'+$/g, '');
    if (!t) continue;
    if (/^\d+$/.test(t)) words.push(...spokenNumber(Number(t)));
    else words.push(t);
  }
  return words;
}
