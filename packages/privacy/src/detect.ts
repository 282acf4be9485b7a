import { findCardNumbers, isCardNumber } from './card.js';
import { findEmails } from './email.js';
import { findIbans } from './iban.js';
import { findPhoneNumbers } from './phone.js';
import { KIND_PRIORITY, PII_KINDS, type PiiKind, type PiiSpan, span } from './pii-span.js';
import { digitsMatch, findReferences, type ReferencePattern } from './reference.js';
import { findSecrets } from './secret.js';
import { findSpokenDigits, type SpokenDigits } from './spoken-digits.js';

export interface PiiOptions {
  /** The kinds to find; all by default. */
  kinds?: readonly PiiKind[];
  /** The agent's own identifiers (see `referencePatternsFromEntities`). */
  references?: readonly ReferencePattern[];
  /** Spans found elsewhere, e.g. `nameSpans(nlu.entities, ['person'])`. */
  spans?: readonly PiiSpan[];
  /**
   * Digits said one by one from this many on are a `number` even when no other kind claims them:
   * nobody reads out a price or a count digit by digit. Default 7.
   */
  minSpokenDigits?: number;
}

export const DEFAULT_MIN_SPOKEN_DIGITS = 7;

/**
 * Personal data in `text`: spans that do not overlap, in text order. Where spans overlap the longer
 * one wins ("030 123456" is one phone number, not a phone with an order number in it), and of two
 * as long the more specific kind.
 */
export function detectPii(text: string, options: PiiOptions = {}): PiiSpan[] {
  const kinds = new Set(options.kinds ?? PII_KINDS);
  const references = options.references ?? [];
  const found: PiiSpan[] = [];
  if (kinds.has('secret')) found.push(...findSecrets(text));
  if (kinds.has('email')) found.push(...findEmails(text));
  if (kinds.has('iban')) found.push(...findIbans(text));
  if (kinds.has('card')) found.push(...findCardNumbers(text));
  if (kinds.has('phone')) found.push(...findPhoneNumbers(text));
  if (kinds.has('reference')) found.push(...findReferences(text, references));
  const minSpoken = options.minSpokenDigits ?? DEFAULT_MIN_SPOKEN_DIGITS;
  for (const run of findSpokenDigits(text)) {
    const classified = classifySpoken(run, references, minSpoken);
    if (classified && kinds.has(classified.kind)) found.push(classified);
  }
  for (const given of options.spans ?? []) if (kinds.has(given.kind)) found.push(given);
  return resolveOverlaps(found);
}

/** What a spoken digit run is, from its digits alone: spoken numbers have no layout to go by. */
function classifySpoken(
  run: SpokenDigits,
  references: readonly ReferencePattern[],
  minSpokenDigits: number,
): PiiSpan | null {
  const { digits, start, end } = run;
  if (run.international && digits.length >= 8 && digits.length <= 15) {
    return span('phone', start, end, `+${digits}`);
  }
  const reference = references.find((r) => digitsMatch(r, digits));
  if (reference) return span('reference', start, end, digits, reference.label);
  if (isCardNumber(digits)) return span('card', start, end, digits);
  if (digits.startsWith('0') && digits.length >= 9 && digits.length <= 14) {
    return span('phone', start, end, digits);
  }
  if (digits.length >= minSpokenDigits) return span('number', start, end, digits);
  return null;
}

function resolveOverlaps(spans: PiiSpan[]): PiiSpan[] {
  const ranked = [...spans].sort(
    (a, b) =>
      b.end - b.start - (a.end - a.start) ||
      KIND_PRIORITY[a.kind] - KIND_PRIORITY[b.kind] ||
      a.start - b.start,
  );
  const kept: PiiSpan[] = [];
  for (const candidate of ranked) {
    if (kept.every((k) => candidate.end <= k.start || candidate.start >= k.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}
