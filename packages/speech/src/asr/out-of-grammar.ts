import { alt, type GrammarExpr, mapSlots, seq, type WordGraph, word, wordGraph } from './word-graph.js';

/**
 * The paths a domain grammar gets so that speech outside it comes back as "not understood" rather
 * than as the nearest phrase (docs/decisions/0023-grammar-rejection-paths.md). A result that goes
 * through any of them has a word starting with `x_`:
 *
 * - a phone loop (`x_phone_*`, every phone of the model) instead of the whole utterance;
 * - the same loop after any prefix of a phrase that is not yet a whole phrase ("do you ship to" +
 *   "japan", "where is my" + "cat"), so one unknown word at the end is not forced into a known one;
 * - decoy digits (`x_digit_*`) for a digit slot said with too few or too many digits, which would
 *   otherwise come out as the right count with a digit squeezed in or dropped.
 *
 * Silence before and after the utterance costs nothing (the decoder's own silence between words
 * costs `silprob`, 0.005): with the default, the decoder explained leading breath or silence with
 * a short word ("it's" before a bare order number) or a phone of the loop.
 */

export const PHONE_WORD_PREFIX = 'x_phone_';
export const DECOY_DIGIT_PREFIX = 'x_digit_';

/** Whether a recognized word is one of the rejection paths. */
export function isRejectionWord(w: string): boolean {
  return w.startsWith(PHONE_WORD_PREFIX) || w.startsWith(DECOY_DIGIT_PREFIX);
}

/*
 * Transition probabilities, measured on the support agent's grammar (1,072 phrases) with 4 Flite
 * voices: 23 digit-sequence and 24 other in-grammar utterances, 42 out-of-grammar ones (see the
 * decision record). The decoder adds log(prob) to the path score, in the same units as acoustic
 * scores (log base 1.0001, shifted right by 10 bits): 0.001 ≈ −67 per phone, 1e-30 ≈ −675.
 */
/** Per phone of the whole-utterance loop: lower lets short phrases ("thank you") win over it. */
const LOOP_PHONE_PROB = 0.001;
/** Per phone of the loop after a phrase prefix. */
const TAIL_PHONE_PROB = 0.1;
/** Once, for leaving a phrase prefix for the loop (1e-4: 52 of 92 digit utterances survived). */
const TAIL_ENTRY_PROB = 1e-20;
/**
 * The same inside a digit string, where the decoys already catch a wrong count: at 1e-20 slt's
 * "one oh two" went to the loop (4 of 92 digit utterances lost); at 1e-45 none, and "set an alarm
 * for seven in the morning" still ends in the loop for 3 of 4 voices.
 */
const TAIL_ENTRY_IN_DIGITS_PROB = 1e-45;
/** Per decoy digit: at 1, an in-grammar 6-digit string often came out as 7 with an "oh" squeezed in. */
const DECOY_DIGIT_PROB = 0.01;
/** Decoy lengths beyond a slot's maximum. */
const DECOY_EXTRA_DIGITS = 3;

/** The loop's words and pronunciations: one word per phone of the model. */
export function phoneWords(phones: string[]): [string, string][] {
  return phones.map((p) => [`${PHONE_WORD_PREFIX}${p.toLowerCase()}`, p]);
}

/**
 * Decoy words for the digit words in `digits` (each with every pronunciation the dictionary has),
 * as dictionary entries `[decoy, phones]`.
 */
export function decoyDigitWords(
  digits: string[],
  pronunciations: (w: string) => string[],
): [string, string][] {
  return digits.flatMap((d) =>
    pronunciations(d).map((phones, i): [string, string] => [
      `${DECOY_DIGIT_PREFIX}${d}${i ? `_${i + 1}` : ''}`,
      phones,
    ]),
  );
}

/** Each digit slot also takes, as decoys, every length from 1 to `max + 3` outside `min..max`. */
export function withDigitDecoys(expr: GrammarExpr, decoys: string[]): GrammarExpr {
  if (decoys.length === 0) return expr;
  const decoy = alt(decoys.map(word));
  return mapSlots(expr, (slot) => {
    if (!slot.digits) return slot;
    const lengths: number[] = [];
    for (let n = 1; n < slot.digits.min; n++) lengths.push(n);
    for (let n = slot.digits.max + 1; n <= slot.digits.max + DECOY_EXTRA_DIGITS; n++) lengths.push(n);
    return alt([slot, ...lengths.map((n) => seq(Array.from({ length: n }, () => decoy)))]);
  });
}

/**
 * The graph the decoder runs for a domain grammar: the minimal graph of `expr`, free silence at
 * both ends, and, when `loopWords` are given, the phone loops described above. `digitWords` mark
 * the states inside a digit string.
 */
export function decodingGraph(
  grammar: GrammarExpr | WordGraph,
  loopWords: string[] = [],
  digitWords: string[] = [],
): WordGraph {
  const graph = 'kind' in grammar ? wordGraph(grammar) : { ...grammar, arcs: [...grammar.arcs] };
  for (const arc of graph.arcs) if (arc.word?.startsWith(DECOY_DIGIT_PREFIX)) arc.prob = DECOY_DIGIT_PROB;
  // A self-loop the decoder later adds for `<sil>` keeps the higher probability: these stay free.
  graph.arcs.push(
    { from: graph.start, to: graph.start, word: '<sil>' },
    { from: graph.final, to: graph.final, word: '<sil>' },
  );
  if (loopWords.length === 0) return graph;

  const phraseStates = graph.states;
  // States where a whole phrase has been said: leaving them for the loop would turn trailing noise
  // into a rejection.
  const complete = new Set([graph.final]);
  for (const arc of graph.arcs)
    if (arc.word === null && arc.to === graph.final && (arc.prob ?? 1) === 1) complete.add(arc.from);
  const digits = new Set(digitWords);
  const inDigits = new Set<number>();
  for (const arc of graph.arcs) {
    if (arc.word !== null && (digits.has(arc.word) || arc.word.startsWith(DECOY_DIGIT_PREFIX)))
      inDigits.add(arc.to);
  }
  const loop = graph.states++;
  const tail = graph.states++;
  // The tail is entered through a state of its own by a word-less arc, and its first phone carries
  // the entry cost: arcs from every state straight into the loop gave each state its own phone
  // leaves (94,752 lextree leaves, 23 MB per decoder); a cost on the word-less arc itself is cut by
  // the word beam (about −634) before any phone is tried.
  const afterWords = graph.states++;
  const inDigitString = graph.states++;
  for (const w of loopWords) {
    graph.arcs.push(
      { from: graph.start, to: loop, word: w, prob: LOOP_PHONE_PROB },
      { from: loop, to: loop, word: w, prob: LOOP_PHONE_PROB },
      { from: afterWords, to: tail, word: w, prob: TAIL_PHONE_PROB * TAIL_ENTRY_PROB },
      { from: inDigitString, to: tail, word: w, prob: TAIL_PHONE_PROB * TAIL_ENTRY_IN_DIGITS_PROB },
      { from: tail, to: tail, word: w, prob: TAIL_PHONE_PROB },
    );
  }
  for (let s = 0; s < phraseStates; s++) {
    if (s === graph.start || complete.has(s)) continue;
    graph.arcs.push({ from: s, to: inDigits.has(s) ? inDigitString : afterWords, word: null });
  }
  graph.arcs.push({ from: loop, to: graph.final, word: null }, { from: tail, to: graph.final, word: null });
  return graph;
}
