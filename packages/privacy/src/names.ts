import type { EntityMatch } from '@visemo/core';
import { type PiiSpan, span } from './pii-span.js';

/**
 * Person names the NLU found: the mentions of the given entity types (`person`, `customer_name`),
 * as spans to pass to `redactText`/`tokenizeText` in `spans`. Names cannot be told by their shape;
 * the agent's entities say where they are.
 */
export function nameSpans(entities: readonly EntityMatch[], types: readonly string[]): PiiSpan[] {
  const wanted = new Set(types);
  return entities
    .filter((e) => wanted.has(e.entity) && e.end > e.start)
    .map((e) => span('name', e.start, e.end, e.value.toLowerCase()));
}
