import type { EntitySpec } from '@visemo/core';
import { type PiiSpan, span } from './pii-span.js';

/**
 * An identifier of the agent's own domain: an order number, a booking or customer reference.
 * Either a count of digits (written as one run, or said digit by digit) or a pattern of the written
 * form, or both.
 */
export interface ReferencePattern {
  /** The placeholder's word: `ORDER_NUMBER` gives `[ORDER_NUMBER]`. */
  label: string;
  /** A run of this many digits, standing alone, is a reference. */
  digits?: { min: number; max: number };
  /** Matches the written reference, e.g. `/\bSR-\d{6}\b/`; the `g` flag is added. */
  pattern?: RegExp;
}

/**
 * The references an agent defines: every `digits` entity with a `length` (an order number of six
 * digits), labelled by the entity's name.
 */
export function referencePatternsFromEntities(entities: readonly EntitySpec[]): ReferencePattern[] {
  return entities.flatMap((entity) =>
    entity.kind === 'digits' && entity.length
      ? [{ label: entity.name.toUpperCase(), digits: { min: entity.length.min, max: entity.length.max } }]
      : [],
  );
}

/** A digit run that is no piece of a longer number, a decimal or a word. */
const STANDALONE_DIGITS = /(?<![\w]|\d[.,])\d+(?![\w]|[.,]\d)/g;

export function findReferences(text: string, patterns: readonly ReferencePattern[]): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const reference of patterns) {
    if (reference.digits) {
      for (const match of text.matchAll(STANDALONE_DIGITS)) {
        if (digitsMatch(reference, match[0])) {
          spans.push(
            span('reference', match.index, match.index + match[0].length, match[0], reference.label),
          );
        }
      }
    }
    if (reference.pattern) {
      const flags = reference.pattern.flags.includes('g')
        ? reference.pattern.flags
        : `${reference.pattern.flags}g`;
      for (const match of text.matchAll(new RegExp(reference.pattern.source, flags))) {
        if (match[0].length === 0) continue;
        const value = match[0].toUpperCase();
        spans.push(span('reference', match.index, match.index + match[0].length, value, reference.label));
      }
    }
  }
  return spans;
}

export function digitsMatch(reference: ReferencePattern, digits: string): boolean {
  const range = reference.digits;
  return range !== undefined && digits.length >= range.min && digits.length <= range.max;
}
