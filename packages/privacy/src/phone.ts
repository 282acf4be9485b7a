import { type PiiSpan, span } from './pii-span.js';

/** E.164 allows at most 15 digits, country code included. */
const MAX_DIGITS = 15;
/** With a country code: "+49 30 1234 5678" has 12; the shortest plans have 8 with their code. */
const MIN_INTERNATIONAL_DIGITS = 8;
/** Behind a trunk 0: "030 1234 5678" (11), "0351 123456" (10), "089 123456" (9); "05.12.2024" has 8. */
const MIN_NATIONAL_DIGITS = 9;

/**
 * Digits with at most one separator (space, dot, slash, dash) between groups, parentheses around
 * an area code, a leading `+`. The run ends on a digit.
 */
const PHONE_RUN = /(?:\+ ?)?\(?\d(?:\d|[ ./-]\(?(?=\d)|\)[ ./-]?(?=\d))*/g;

/** A North American number: (415) 555-2671, 415-555-2671, 1 415 555 2671; separators required. */
const NANP = /^(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$/;
/** 12.05.2024, 2024-05-12, 5/12/24, alone or followed by a time: a date is never a phone number. */
const DATE = /(?:^| )(?:\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([./-])\d{1,2}\2\d{1,2})(?=$| )/;
/** 0.5, 12.50: one dot or comma between two digit groups is a decimal. */
const DECIMAL = /^\d+\.\d+$/;

/**
 * Telephone numbers as people write them: international ("+49 30 1234 5678", "0049 30 …",
 * "+1 (415) 555-2671"), national with a trunk zero ("030 1234 5678", "(0)171-2345678"), and North
 * American ("(415) 555-2671"). Not every digit run: dates, decimals, prices, bare runs without a
 * leading `+` or 0 and runs of over 15 digits are not phone numbers.
 */
export function findPhoneNumbers(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const match of text.matchAll(PHONE_RUN)) {
    let raw = match[0];
    let start = match.index;
    // "(" is part of the number only if it closes again.
    if (raw.startsWith('(') && !raw.includes(')')) {
      raw = raw.slice(1);
      start += 1;
    }
    const end = start + raw.length;
    if (!bounded(text, start, end)) continue;
    const value = phoneValue(raw);
    if (value !== null) spans.push(span('phone', start, end, value));
  }
  return spans;
}

/** The number in canonical form (`+` and digits for international, digits for national), or null. */
export function phoneValue(raw: string): string | null {
  if (DATE.test(raw) || DECIMAL.test(raw)) return null;
  const digits = raw.replace(/\D/g, '');
  if (raw.startsWith('+')) return international(digits);
  if (digits.startsWith('00')) return international(digits.slice(2));
  const national = raw.replace(/^\(/, '');
  if (national.startsWith('0')) {
    return digits.length >= MIN_NATIONAL_DIGITS && digits.length <= MAX_DIGITS - 1 ? digits : null;
  }
  return NANP.test(raw) ? digits : null;
}

function international(digits: string): string | null {
  return digits.length >= MIN_INTERNATIONAL_DIGITS && digits.length <= MAX_DIGITS ? `+${digits}` : null;
}

/** Not glued to a word, and not one piece of a longer number ("1,234,567", "v2.0301234567"). */
function bounded(text: string, start: number, end: number): boolean {
  const before = text.slice(Math.max(0, start - 2), start);
  const after = text.slice(end, end + 2);
  if (/\w$/.test(before) || /\d[.,/-]$/.test(before)) return false;
  if (/^\w/.test(after) || /^[.,/-]\d/.test(after)) return false;
  return true;
}
