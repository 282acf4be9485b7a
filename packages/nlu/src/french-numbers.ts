import type { NumberSpan } from './numbers.js';

/**
 * French numbers as a recognizer spells them and people type them, folded (no accents): "vingt et
 * un", "soixante dix sept", "quatre vingts", "deux cent cinquante", "trois mille". Hyphens are gone
 * by the time words get here (the tokenizer splits on them).
 */

const UNITS: Record<string, number> = {
  un: 1,
  une: 1,
  deux: 2,
  trois: 3,
  quatre: 4,
  cinq: 5,
  six: 6,
  sept: 7,
  huit: 8,
  neuf: 9,
};
const TEENS: Record<string, number> = {
  onze: 11,
  douze: 12,
  treize: 13,
  quatorze: 14,
  quinze: 15,
  seize: 16,
};
const TENS: Record<string, number> = {
  vingt: 20,
  vingts: 20,
  trente: 30,
  quarante: 40,
  cinquante: 50,
  soixante: 60,
};

/**
 * The last word read, which decides what may follow: after `tens` (vingt…soixante, quatre-vingt) a
 * unit, "et", or "dix" and a teen after soixante and quatre-vingt; after `ten` (dix, alone or in 70
 * and 90) a unit 7–9; after `unit` only "vingt" (after "quatre"), cent or mille.
 */
type Last = 'open' | 'tens' | 'ten' | 'unit' | 'teen' | 'hundred' | 'thousand';

/** The longest French number that starts at `from`, or null. */
export function readFrenchNumber(words: readonly string[], from: number): NumberSpan | null {
  const first = words[from];
  if (first === undefined) return null;
  if (first === 'zero') return { from, to: from + 1, value: 0 };
  let total = 0;
  let group = 0;
  let last: Last = 'open';
  let end = from;
  for (let i = from; i < words.length; i++) {
    const w = words[i] as string;
    const below = group % 100;
    const afterTensOf = (n: number) => last === 'tens' && below === n;
    if (w === 'et' && last === 'tens' && (words[i + 1] === 'un' || words[i + 1] === 'onze')) continue;
    if (UNITS[w] !== undefined && (last === 'open' || last === 'hundred' || last === 'thousand')) {
      group += UNITS[w] as number;
      last = 'unit';
    } else if (UNITS[w] !== undefined && last === 'tens' && below % 10 === 0) {
      group += UNITS[w] as number;
      last = 'unit';
    } else if (UNITS[w] !== undefined && last === 'ten' && (UNITS[w] as number) >= 7) {
      group += UNITS[w] as number;
      last = 'unit';
    } else if (
      w === 'dix' &&
      (last === 'open' || last === 'hundred' || last === 'thousand' || afterTensOf(60) || afterTensOf(80))
    ) {
      group += 10;
      last = 'ten';
    } else if (
      TEENS[w] !== undefined &&
      (last === 'open' || last === 'hundred' || last === 'thousand' || afterTensOf(60) || afterTensOf(80))
    ) {
      group += TEENS[w] as number;
      last = 'teen';
    } else if ((w === 'vingt' || w === 'vingts') && last === 'unit' && below === 4) {
      group += 76;
      last = 'tens';
    } else if (TENS[w] !== undefined && (last === 'open' || last === 'hundred' || last === 'thousand')) {
      group += TENS[w] as number;
      last = 'tens';
    } else if ((w === 'cent' || w === 'cents') && group < 10 && last !== 'hundred') {
      group = (group || 1) * 100;
      last = 'hundred';
    } else if (w === 'mille' && total === 0 && last !== 'thousand') {
      total = (group || 1) * 1000;
      group = 0;
      last = 'thousand';
    } else {
      break;
    }
    end = i + 1;
  }
  if (end === from) return null;
  return { from, to: end, value: total + group };
}
