import { type PiiSpan, span } from './pii-span.js';

/** IBANs are 15 (Norway) to 34 characters long. */
const IBAN_LENGTH = { min: 15, max: 34 } as const;

/** A country code, two check digits, then letters and digits, perhaps in groups split by spaces. */
const IBAN_CANDIDATE = /(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}/gi;

/** The ISO 13616 check: the IBAN, its first four characters moved to its end, is 1 modulo 97. */
export function ibanValid(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (compact.length < IBAN_LENGTH.min || compact.length > IBAN_LENGTH.max) return false;
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    // Letters count as two digits, A = 10 … Z = 35.
    const value = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/**
 * IBANs as written, compact or in groups of four: "DE89 3704 0044 0532 0130 00". A group-shaped
 * word after the IBAN ("… 7034 ok") is dropped by trying shorter candidates until one checks.
 */
export function findIbans(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  const candidates = new RegExp(IBAN_CANDIDATE.source, IBAN_CANDIDATE.flags);
  for (let match = candidates.exec(text); match; match = candidates.exec(text)) {
    const found = longestValidPrefix(text, match.index, match[0]);
    if (found) spans.push(found);
    // The candidate may have run on into the next IBAN: look again right after what was kept.
    candidates.lastIndex = found ? found.end : match.index + 1;
  }
  return spans;
}

function longestValidPrefix(text: string, start: number, candidate: string): PiiSpan | null {
  const parts = candidate.split(' ');
  for (let count = parts.length; count > 0; count--) {
    const prefix = parts.slice(0, count).join(' ');
    const next = text[start + prefix.length];
    if (next !== undefined && /\w/.test(next)) continue;
    if (ibanValid(prefix)) {
      return span('iban', start, start + prefix.length, prefix.replace(/ /g, '').toUpperCase());
    }
  }
  return null;
}
