/**
 * French number words (France: soixante-dix, quatre-vingts, quatre-vingt-dix), written with spaces
 * where the spelling has hyphens, as the recognizer's dictionary has every part as a word of its
 * own and people's writing differs on the hyphens anyway: 71 → "soixante et onze", 80 →
 * "quatre vingts", 2025 → "deux mille vingt cinq".
 */

export const FRENCH_DIGIT_WORDS = [
  'zéro',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
] as const;
const BELOW_TWENTY = [
  ...FRENCH_DIGIT_WORDS,
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
  'dix sept',
  'dix huit',
  'dix neuf',
];
const TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

function belowHundred(n: number): string {
  if (n < 20) return BELOW_TWENTY[n] as string;
  if (n < 70) {
    const tens = TENS[Math.floor(n / 10)] as string;
    const unit = n % 10;
    if (unit === 0) return tens;
    return unit === 1 ? `${tens} et un` : `${tens} ${FRENCH_DIGIT_WORDS[unit]}`;
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante ${BELOW_TWENTY[n - 60]}`;
  // "Quatre-vingts" takes its plural s only when nothing follows it.
  return n === 80 ? 'quatre vingts' : `quatre vingt ${BELOW_TWENTY[n - 80]}`;
}

function belowThousand(n: number): string {
  if (n < 100) return belowHundred(n);
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const head = hundreds === 1 ? 'cent' : `${FRENCH_DIGIT_WORDS[hundreds]} ${rest ? 'cent' : 'cents'}`;
  return rest ? `${head} ${belowHundred(rest)}` : head;
}

/** A whole number 0..999,999,999 in French words; a RangeError outside that range. */
export function frenchNumberToWords(n: number, max: number): string {
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new RangeError(`cannot spell ${n} as words (0..${max} only)`);
  }
  if (n < 1000) return belowThousand(n);
  if (n < 1_000_000) {
    const thousands = Math.floor(n / 1000);
    const rest = n % 1000;
    // "Mille" never takes an s, nor "un" before it; "cents" and "vingts" lose theirs before it.
    const head =
      thousands === 1 ? 'mille' : `${belowThousand(thousands).replace(/(cent|vingt)s$/, '$1')} mille`;
    return rest ? `${head} ${belowThousand(rest)}` : head;
  }
  const millions = Math.floor(n / 1_000_000);
  const rest = n % 1_000_000;
  const head = millions === 1 ? 'un million' : `${belowThousand(millions)} millions`;
  return rest ? `${head} ${frenchNumberToWords(rest, max)}` : head;
}
