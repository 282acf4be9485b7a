import type { Expression } from '@visemo/core';
import { words } from './text-terms.js';

/** Words of a complaint or a problem: the face answers with concern before the words do. */
const TROUBLE = new Set(
  `angry annoyed annoying awful bad broke broken complain complaint damaged dead defective disappointed
  disappointing error fault faulty frustrated frustrating furious horrible late lost missing never
  problem problems ridiculous scratched sick stolen stuck terrible unacceptable unhappy upset useless
  worst wrong hurt hurts pain painful worried worry scared emergency urgent`
    .split(/\s+/)
    .filter(Boolean),
);
/** Words of thanks and praise: a smile. */
const THANKS = new Set(
  'thanks thank thankyou great awesome amazing excellent perfect wonderful lovely brilliant fantastic helpful appreciate'
    .split(/\s+/)
    .filter(Boolean),
);
/** A negation just before a word turns it ("not bad", "no problem"). */
const NEGATIONS = new Set(['not', 'no', 'never', 'without']);

/**
 * The face a reply to `text` should start with when the agent gave its intent none: concern for a
 * complaint ("my parcel arrived broken"), a smile for thanks or praise; null otherwise. A word list,
 * not a sentiment model: it reads the caller's words, not the agent's, and errs towards nothing.
 */
export function moodOf(text: string): Expression | null {
  const said = words(text);
  let trouble = 0;
  let thanks = 0;
  said.forEach((word, i) => {
    const negated = NEGATIONS.has(said[i - 1] ?? '') && word !== 'never';
    if (TROUBLE.has(word)) trouble += negated ? -1 : 1;
    else if (THANKS.has(word) && !negated) thanks++;
  });
  if (trouble > 0) return 'concerned';
  if (thanks > 0) return 'happy';
  return null;
}
