import type { PhoneTiming, WordTiming } from '@visemo/core';
import type { SpokenToken } from './text-normalizer.js';

/**
 * Word timings from Flite's phone timings.
 *
 * Flite prints either its words (-pw) or its phones with end times (-psdur), never which phone
 * belongs to which word. So the letters of the spoken words are aligned to the phone sequence by
 * dynamic programming (an edit distance where a letter and a phone match for free when the letter
 * can spell that phone, e.g. c→k/s/ch), and each word gets the span of the phones aligned to its
 * letters. Pauses may only fall between words, which anchors the alignment at every phrase break.
 * Numbers Flite reads itself are expanded here to rough English words only to give them letters.
 */

/** Phones each letter can spell (ARPAbet, no stress), including the usual digraph halves. */
const SPELLS: Record<string, string> = {
  a: 'aa ae ah ax ey ao aw ay eh ih er',
  b: 'b',
  c: 'k s ch sh',
  d: 'd jh t',
  e: 'eh iy ih ax ah er ey',
  f: 'f',
  g: 'g jh zh ng',
  h: 'hh',
  i: 'ih iy ay ax ah er y',
  j: 'jh y hh zh',
  k: 'k',
  l: 'l',
  m: 'm',
  n: 'n ng',
  o: 'ao aa ow ah ax uw uh aw oy er w',
  p: 'p f',
  q: 'k',
  r: 'r er',
  s: 's z sh zh',
  t: 't sh ch th dh d',
  u: 'ah uw uh y er ax ih w',
  v: 'v f',
  w: 'w uw aw ow',
  x: 'k s z g sh',
  y: 'y iy ih ay',
  z: 'z s zh',
};
const SPELL_SETS = new Map(
  Object.entries(SPELLS).map(([letter, phones]) => [letter, new Set(phones.split(' '))]),
);

/** Costs of the edit operations. Silent letters are common in English spelling, hence cheap. */
const SUBSTITUTE = 1.3;
const SILENT_VOWEL = 0.5;
const SILENT_CONSONANT = 0.8;
const EXTRA_PHONE = 0.8;
const PAUSE_INSIDE_WORD = 6;
/** Beyond this many DP cells (letters × phones), words get a proportional share instead. */
const MAX_CELLS = 4_000_000;

const ONES =
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'.split(
    ' ',
  );
const TENS = 'zero ten twenty thirty forty fifty sixty seventy eighty ninety'.split(' ');

function below1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) parts.push(`${ONES[Math.floor(n / 100)]} hundred`);
  const rest = n % 100;
  if (rest >= 20) parts.push(`${TENS[Math.floor(rest / 10)]}${rest % 10 ? ` ${ONES[rest % 10]}` : ''}`);
  else if (rest > 0 || n === 0) parts.push(ONES[rest] as string);
  return parts.join(' ');
}

/** Rough English for a digit string, as Flite tends to read it; only its letters matter here. */
function digitsToWords(digits: string): string {
  const n = Number(digits);
  if (digits.length > 12 || (digits.length > 1 && digits.startsWith('0'))) {
    return Array.from(digits, (d) => ONES[Number(d)]).join(' ');
  }
  if (digits.length === 4 && n >= 1100 && n < 2000) {
    return `${below1000(Math.floor(n / 100))} ${n % 100 === 0 ? 'hundred' : below1000(n % 100)}`;
  }
  const groups = ['', ' thousand', ' million', ' billion'];
  const parts: string[] = [];
  let rest = n;
  for (let g = 0; rest > 0 || g === 0; g++) {
    const chunk = rest % 1000;
    if (chunk > 0 || n === 0) parts.unshift(`${below1000(chunk)}${groups[g]}`);
    rest = Math.floor(rest / 1000);
    if (rest === 0) break;
  }
  return parts.join(' ');
}

/** The letters a token's spoken form is pronounced from. */
export function alignmentLetters(spoken: string): string {
  return spoken
    .replace(/(\d),(\d{3})/g, '$1$2')
    .replace(/\d+/g, (d) => ` ${digitsToWords(d)} `)
    .replace(/%/g, ' percent ')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function isPause(phone: string): boolean {
  return phone === 'pau' || phone === 'sil' || phone === 'h#';
}

function baseOf(phone: string): string {
  return phone.toLowerCase().replace(/\d/g, '');
}

/**
 * One WordTiming per token that has a letter or digit, in order. A token that produced no phones
 * (an ISO code already said with its amount, say) gets an empty span where it would have been.
 */
export function alignWords(tokens: readonly SpokenToken[], phones: readonly PhoneTiming[]): WordTiming[] {
  const words = tokens.filter((t) => /[\p{L}\p{N}]/u.test(t.written));
  const letters: { ch: string; word: number }[] = [];
  words.forEach((t, w) => {
    for (const ch of alignmentLetters(t.spoken)) letters.push({ ch, word: w });
  });
  const assigned =
    (letters.length + 1) * (phones.length + 1) <= MAX_CELLS
      ? alignByLetters(letters, phones, words.length)
      : alignProportionally(letters, phones, words.length);
  return spans(words, assigned, phones);
}

/** For each phone, the word it belongs to, or -1 for a pause. */
function alignByLetters(
  letters: { ch: string; word: number }[],
  phones: readonly PhoneTiming[],
  wordCount: number,
): Int32Array {
  const L = letters.length;
  const P = phones.length;
  const W = P + 1;
  const cost = new Float64Array((L + 1) * W);
  const move = new Uint8Array((L + 1) * W); // 1 diagonal, 2 letter silent, 3 extra phone
  const bases = phones.map((p) => baseOf(p.phone));
  // A pause fits between words: before the first letter, after a word's last letter, or at the end.
  const atBoundary = (i: number) => i === 0 || i === L || letters[i - 1]?.word !== letters[i]?.word;
  const silent = (i: number) =>
    'aeiouyhw'.includes(letters[i - 1]?.ch ?? '') ? SILENT_VOWEL : SILENT_CONSONANT;
  const extra = (i: number, j: number) =>
    isPause(bases[j - 1] as string) ? (atBoundary(i) ? 0 : PAUSE_INSIDE_WORD) : EXTRA_PHONE;
  for (let i = 1; i <= L; i++) {
    cost[i * W] = (cost[(i - 1) * W] as number) + silent(i);
    move[i * W] = 2;
  }
  for (let j = 1; j <= P; j++) {
    cost[j] = (cost[j - 1] as number) + extra(0, j);
    move[j] = 3;
  }
  for (let i = 1; i <= L; i++) {
    const spells = SPELL_SETS.get(letters[i - 1]?.ch ?? '');
    for (let j = 1; j <= P; j++) {
      const phone = bases[j - 1] as string;
      const diagonal =
        (cost[(i - 1) * W + j - 1] as number) +
        (isPause(phone) ? Infinity : spells?.has(phone) ? 0 : SUBSTITUTE);
      const up = (cost[(i - 1) * W + j] as number) + silent(i);
      const left = (cost[i * W + j - 1] as number) + extra(i, j);
      let best = diagonal;
      let m = 1;
      if (up < best) {
        best = up;
        m = 2;
      }
      if (left < best) {
        best = left;
        m = 3;
      }
      cost[i * W + j] = best;
      move[i * W + j] = m;
    }
  }
  const owner = new Int32Array(P).fill(-1);
  let i = L;
  let j = P;
  while (j > 0) {
    const m = i === 0 ? 3 : (move[i * W + j] as number);
    if (m === 2) {
      i--;
      continue;
    }
    if (!isPause(bases[j - 1] as string)) {
      // An extra phone belongs to the letter before it, or to the first word at the very start.
      const letter = m === 1 ? i - 1 : Math.max(0, i - 1);
      owner[j - 1] = Math.min(wordCount - 1, letters[letter]?.word ?? 0);
    }
    if (m === 1) i--;
    j--;
  }
  return owner;
}

/** Fallback for very long texts: speech phones shared out in proportion to each word's letters. */
function alignProportionally(
  letters: { ch: string; word: number }[],
  phones: readonly PhoneTiming[],
  wordCount: number,
): Int32Array {
  const owner = new Int32Array(phones.length).fill(-1);
  const speech = phones.map((p, k) => (isPause(baseOf(p.phone)) ? -1 : k)).filter((k) => k >= 0);
  speech.forEach((k, n) => {
    const letter = letters[Math.min(letters.length - 1, Math.floor((n / speech.length) * letters.length))];
    owner[k] = Math.min(wordCount - 1, letter?.word ?? 0);
  });
  return owner;
}

function spans(
  words: readonly SpokenToken[],
  owner: Int32Array,
  phones: readonly PhoneTiming[],
): WordTiming[] {
  const out: WordTiming[] = words.map((t) => ({ word: t.written, startMs: Number.NaN, endMs: Number.NaN }));
  owner.forEach((w, k) => {
    const word = out[w];
    const phone = phones[k];
    if (!word || !phone) return;
    if (Number.isNaN(word.startMs)) word.startMs = phone.startMs;
    word.endMs = phone.endMs;
  });
  let previousEnd = phones.find((p) => !isPause(baseOf(p.phone)))?.startMs ?? 0;
  for (const word of out) {
    if (Number.isNaN(word.startMs)) {
      word.startMs = previousEnd;
      word.endMs = previousEnd;
    }
    // Words never overlap, even where the alignment hands back an out-of-order phone.
    word.startMs = Math.max(word.startMs, previousEnd);
    word.endMs = Math.max(word.endMs, word.startMs);
    previousEnd = word.endMs;
  }
  return out;
}
