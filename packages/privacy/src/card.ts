import { type PiiSpan, span } from './pii-span.js';

/** Payment card numbers have 13–19 digits (ISO/IEC 7812). */
export const CARD_DIGITS = { min: 13, max: 19 } as const;

/** The Luhn (mod 10) check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Whether a digit string can be a card number: its length, its Luhn check, not one digit repeated. */
export function isCardNumber(digits: string): boolean {
  return (
    digits.length >= CARD_DIGITS.min &&
    digits.length <= CARD_DIGITS.max &&
    !/^(\d)\1*$/.test(digits) &&
    luhnValid(digits)
  );
}

/** A run of digits with at most one space or dash between two of them, not inside a longer word. */
const CARD_RUN = /(?<![\w.,-])\d(?:[ -]?\d)+(?![\w]|[.,-]\d)/g;

/** Card numbers as written: "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111". */
export function findCardNumbers(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const match of text.matchAll(CARD_RUN)) {
    const digits = match[0].replace(/\D/g, '');
    if (isCardNumber(digits)) spans.push(span('card', match.index, match.index + match[0].length, digits));
  }
  return spans;
}
