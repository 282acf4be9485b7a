import { EXPRESSIONS, type Expression } from '@visemo/core';

const NAMES: ReadonlySet<string> = new Set(EXPRESSIONS);
/** `[happy]`, `[ concerned ]`: a name of EXPRESSIONS in square brackets. */
const TAG = /\[\s*([a-z]+)\s*\]\s*/gi;

export interface TaggedSentence {
  /** The sentence as it is said and captioned, without its tags. */
  text: string;
  /** The face for the sentence: its last tag, or null when it has none. */
  expression: Expression | null;
}

/**
 * Agents (and language models) mark the face a sentence is said with: "[concerned] I'm sorry your
 * parcel is late. [happy] The good news: it left today." Brackets that hold anything else stay
 * text. Tags are read per sentence, so a reply can change face between its sentences.
 */
export function readExpressionTags(sentence: string): TaggedSentence {
  let expression: Expression | null = null;
  const text = sentence
    .replace(TAG, (tag, name: string) => {
      const lower = name.toLowerCase();
      if (!NAMES.has(lower)) return tag;
      expression = lower as Expression;
      return '';
    })
    .replace(/\s{2,}/g, ' ')
    .trim();
  return { text, expression };
}
