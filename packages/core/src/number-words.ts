/** English number words, shared by the grammar compiler, the NLU and the aligners. */

export const DIGIT_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
] as const;
const TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

export const MAX_SPELLED_NUMBER = 999_999_999;

/**
 * A whole number 0..999,999,999 as American English words without "and":
 * 2025 → "two thousand twenty five". Throws RangeError outside that range.
 */
export function numberToWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPELLED_NUMBER) {
    throw new RangeError(`cannot spell ${n} as words (0..${MAX_SPELLED_NUMBER} only)`);
  }
  if (n < 10) return DIGIT_WORDS[n] as string;
  if (n < 20) return TEENS[n - 10] as string;
  if (n < 100) {
    const tens = TENS[Math.floor(n / 10)] as string;
    return n % 10 === 0 ? tens : `${tens} ${DIGIT_WORDS[n % 10]}`;
  }
  const [unit, size] =
    n < 1000 ? [100, 'hundred'] : n < 1_000_000 ? [1000, 'thousand'] : [1_000_000, 'million'];
  const rest = n % unit;
  return `${numberToWords(Math.floor(n / unit))} ${size}${rest ? ` ${numberToWords(rest)}` : ''}`;
}

/** A digit string said one digit at a time: "105" → "one zero five". */
export function digitsToWords(digits: string): string {
  return [...digits].map((d) => DIGIT_WORDS[Number(d)] ?? d).join(' ');
}
