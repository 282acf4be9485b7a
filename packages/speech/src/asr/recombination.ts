import { type GrammarExpr, type WordArc, type WordGraph, wordGraph } from './word-graph.js';

/**
 * Ways of saying a domain's phrases that are not in them word for word (docs/decisions/0024):
 * callers put a request another way with the same pieces ("i want to return my order" from "i want
 * to talk to a human" and "i'd like to return my order") or with a word the phrases do not say
 * there.
 *
 * The graph of the phrases themselves stays as it is, at no cost. Beside it, a weighted layer with a
 * state per word: a word goes on with any word that follows it in some phrase, or, through a
 * back-off, with any word at all. The decoder takes that layer only when no phrase fits the audio
 * by far; the rejection paths of out-of-grammar.ts apply to it too, and a transcript with more than
 * `maxJoins` word pairs no phrase has is not understood (`countJoins`).
 */

export interface RecombinationOptions {
  /**
   * Probability of leaving a phrase's own continuation for another phrase's at a word they share
   * (a bigram of the domain's phrases): once per utterance entering the recombined phrases, and
   * per word said inside them.
   */
  entryProb: number;
  /** Per word inside the recombined phrases. */
  wordProb: number;
  /**
   * Going on from a word with any word of the domain, whatever phrases say after it (0 never):
   * a back-off to single words, as in an n-gram language model.
   */
  backoffProb: number;
  /**
   * Most joins a transcript may have, pairs of adjacent words (or the start or end and a word)
   * that no phrase has: a transcript stitched from more pieces than that is not understood.
   */
  maxJoins: number;
}

/** What a domain grammar gets unless told otherwise. */
export const DEFAULT_RECOMBINATION: RecombinationOptions = {
  entryProb: 1e-20,
  wordProb: 0.5,
  backoffProb: 1e-6,
  maxJoins: 2,
};

/** The phrases of a domain expression (`buildGrammar`'s: alternatives of words and slots) as item lists. */
export function phraseItems(expr: GrammarExpr): GrammarExpr[][] {
  const phrases = expr.kind === 'alt' ? expr.items : [expr];
  return phrases.map((p) => (p.kind === 'seq' ? p.items : [p]));
}

function itemKey(item: GrammarExpr): string {
  if (item.kind === 'word') return `w:${item.word}`;
  if (item.kind === 'slot') return `s:${item.name}`;
  throw new Error(`a phrase item is a word or a slot, not ${item.kind}`);
}

/** Appends `graph`'s states to `into`, its start and final mapped to the given states. */
function splice(into: WordGraph, graph: WordGraph, start: number, final: number): void {
  const ids = Array.from({ length: graph.states }, (_, s) =>
    s === graph.start ? start : s === graph.final ? final : into.states++,
  );
  for (const arc of graph.arcs)
    into.arcs.push({ ...arc, from: ids[arc.from] as number, to: ids[arc.to] as number });
}

/**
 * Adds to `graph` (the minimal graph of the domain's phrases, left as it is) a second, weighted
 * layer: a state per word (or slot) of the phrases, with an arc for every word that follows it in
 * some phrase, so that pieces of phrases recombine where they share a word, and a back-off to every word.
 * `slotBody` gives what a slot is decoded as (with its decoys).
 */
export function recombinedGraph(
  exact: WordGraph,
  phrases: GrammarExpr[][],
  options: RecombinationOptions,
  slotBody: (slot: Extract<GrammarExpr, { kind: 'slot' }>) => GrammarExpr = (slot) => slot,
): WordGraph {
  const graph: WordGraph = { ...exact, arcs: [...exact.arcs] };
  const arcs = new Map<string, WordArc>();
  const add = (arc: WordArc) => {
    const key = `${arc.from} ${arc.to} ${arc.word}`;
    const known = arcs.get(key);
    if (!known || (known.prob ?? 1) < (arc.prob ?? 1)) arcs.set(key, arc);
  };

  const after = new Map<string, number>();
  const before = new Map<string, number>();
  const stateAfter = (item: GrammarExpr) => {
    const key = itemKey(item);
    let s = after.get(key);
    if (s === undefined) {
      s = graph.states++;
      after.set(key, s);
      if (item.kind === 'slot') {
        const entry = graph.states++;
        before.set(key, entry);
        splice(graph, wordGraph(slotBody(item)), entry, s);
      }
    }
    return s;
  };
  /** The arc saying `item` from `from`, with probability `prob`. */
  const say = (from: number, item: GrammarExpr, prob: number) => {
    const to = stateAfter(item);
    if (item.kind === 'word') add({ from, to, word: item.word, prob });
    else add({ from, to: before.get(itemKey(item)) as number, word: null, prob });
  };

  if (options.entryProb > 0) {
    for (const items of phrases) {
      items.forEach((item, i) => {
        if (i === 0) say(graph.start, item, options.entryProb * options.wordProb);
        else say(stateAfter(items[i - 1] as GrammarExpr), item, options.wordProb);
        if (i === items.length - 1) add({ from: stateAfter(item), to: graph.final, word: null });
      });
    }
  }

  if (options.entryProb > 0 && options.backoffProb > 0) {
    const backoff = graph.states++;
    // Slots stay out of it: with digit strings, single words around a number explained a digit too many.
    const words = phrases.flat().filter((i) => i.kind === 'word');
    for (const item of [...new Map(words.map((i) => [itemKey(i), i])).values()]) {
      add({ from: stateAfter(item), to: backoff, word: null, prob: options.backoffProb });
      say(backoff, item, options.wordProb);
    }
    add({ from: graph.start, to: backoff, word: null, prob: options.entryProb * options.backoffProb });
  }
  graph.arcs.push(...arcs.values());
  return withClosedNullArcs(graph);
}

const EDGE = '';

/** Words on the arcs leaving and entering each state of `graph`. */
function wordsAround(graph: WordGraph): { out: Set<string>[]; into: Set<string>[] } {
  const out = Array.from({ length: graph.states }, () => new Set<string>());
  const into = Array.from({ length: graph.states }, () => new Set<string>());
  for (const arc of graph.arcs) {
    if (arc.word === null) continue;
    out[arc.from]?.add(arc.word);
    into[arc.to]?.add(arc.word);
  }
  // A word-less arc: what follows its target follows its source too (wordGraph makes them into the final state only).
  for (const arc of graph.arcs)
    if (arc.word === null) for (const w of into[arc.from] ?? []) into[arc.to]?.add(w);
  return { out, into };
}

/**
 * Every pair of adjacent words the phrases can say, as `a b`, with '' for the start and the end:
 * a transcript's pairs outside this set are where the recombined layer joined pieces.
 */
export function phrasePairs(phrases: GrammarExpr[][]): Set<string> {
  const pairs = new Set<string>();
  const ends = new Map<string, { first: Set<string>; last: Set<string> }>();
  const endsOf = (item: GrammarExpr) => {
    if (item.kind === 'word') return { first: new Set([item.word]), last: new Set([item.word]) };
    const key = itemKey(item);
    let known = ends.get(key);
    if (!known) {
      const graph = wordGraph((item as Extract<GrammarExpr, { kind: 'slot' }>).body);
      const { out, into } = wordsAround(graph);
      for (let s = 0; s < graph.states; s++)
        for (const a of into[s] ?? []) for (const b of out[s] ?? []) pairs.add(`${a} ${b}`);
      known = { first: out[graph.start] ?? new Set(), last: into[graph.final] ?? new Set() };
      ends.set(key, known);
    }
    return known;
  };
  for (const items of phrases) {
    let previous = new Set([EDGE]);
    for (const item of items) {
      const { first, last } = endsOf(item);
      for (const a of previous) for (const b of first) pairs.add(`${a} ${b}`);
      previous = last;
    }
    for (const a of previous) pairs.add(`${a} ${EDGE}`);
  }
  return pairs;
}

/**
 * How many of `words`' adjacent pairs (with the start and, unless `open` — words still being
 * said — the end) are not in `pairs`.
 */
export function countJoins(words: readonly string[], pairs: Set<string>, open = false): number {
  const said = open ? [EDGE, ...words] : [EDGE, ...words, EDGE];
  let joins = 0;
  for (let i = 1; i < said.length; i++) if (!pairs.has(`${said[i - 1]} ${said[i]}`)) joins++;
  return joins;
}

/**
 * The decoder follows one word-less arc after a word (PocketSphinx expects its grammars closed):
 * every chain of them becomes one arc, with the product of their probabilities (the best chain).
 */
export function withClosedNullArcs(graph: WordGraph): WordGraph {
  const nulls = new Map<number, Map<number, number>>();
  for (const arc of graph.arcs) {
    if (arc.word !== null || arc.from === arc.to) continue;
    const out = nulls.get(arc.from) ?? new Map<number, number>();
    out.set(arc.to, Math.max(out.get(arc.to) ?? 0, arc.prob ?? 1));
    nulls.set(arc.from, out);
  }
  const closed: WordArc[] = graph.arcs.filter((a) => a.word !== null);
  for (const from of nulls.keys()) {
    const best = new Map<number, number>([[from, 1]]);
    const stack = [from];
    while (stack.length) {
      const s = stack.pop() as number;
      for (const [t, p] of nulls.get(s) ?? []) {
        const prob = (best.get(s) as number) * p;
        if (prob > (best.get(t) ?? 0)) {
          best.set(t, prob);
          stack.push(t);
        }
      }
    }
    for (const [to, prob] of best) {
      if (to !== from) closed.push(prob === 1 ? { from, to, word: null } : { from, to, word: null, prob });
    }
  }
  return { ...graph, arcs: closed };
}
