import { describe, expect, it } from 'vitest';
import { buildGrammar } from '../src/asr/grammar.js';
import { decodingGraph, withDigitDecoys } from '../src/asr/out-of-grammar.js';
import { PhraseAcceptor } from '../src/asr/phrase-acceptor.js';
import {
  countJoins,
  DEFAULT_RECOMBINATION,
  phraseItems,
  phrasePairs,
  recombinedGraph,
} from '../src/asr/recombination.js';
import { type WordGraph, wordGraph } from '../src/asr/word-graph.js';

/** Whether the graph accepts `words`, following word-less arcs as the decoder does. */
const accepts = (graph: WordGraph, words: string[]) => new PhraseAcceptor(graph).accepts(words);

const domain = (phrases: string[]) =>
  buildGrammar({
    phrases,
    slots: [
      { name: 'order_number', kind: 'digits', min: 6, max: 6 },
      { name: 'country', kind: 'values', values: ['france', 'germany', 'the netherlands'] },
    ],
  });

describe('wordGraph', () => {
  it('accepts exactly the phrases of the grammar, with their slots', () => {
    const graph = wordGraph(
      domain(['{order_number}', "it's {order_number}", '{order_number} please', 'do you ship to {country}'])
        .expr,
    );
    for (const ok of [
      'four eight two nine one three',
      "it's seven three five one oh two",
      'one two three four five six please',
      'do you ship to the netherlands',
    ]) {
      expect(accepts(graph, ok.split(' ')), ok).toBe(true);
    }
    for (const no of [
      'four eight two nine one',
      "it's",
      'please',
      'do you ship to',
      'do you ship to italy',
    ]) {
      expect(accepts(graph, no.split(' ')), no).toBe(false);
    }
  });

  it('shares common prefixes and suffixes: one digit string for every phrase that ends in the order number', () => {
    const built = domain([
      '{order_number}',
      "it's {order_number}",
      'it is {order_number}',
      'my order number is {order_number}',
      'the order number is {order_number}',
      'do you ship to {country}',
      'how much is delivery to {country}',
    ]);
    const graph = wordGraph(built.expr);
    const count = (w: string) => graph.arcs.filter((a) => a.word === w).length;
    // One six-digit string, entered from the start or after any of the four prefixes (which end
    // in one state): 2 + 5 arcs per digit word. One list of countries; "order number is" once.
    expect(count('nine')).toBe(7);
    expect(count('germany')).toBe(1);
    expect(count('number')).toBe(1);
    expect(graph.states).toBeLessThan(30);
  });
});

describe('rejection paths', () => {
  it('gives a digit slot decoys for every wrong length up to three more digits', () => {
    const built = domain(['my order number is {order_number}']);
    const graph = wordGraph(withDigitDecoys(built.expr, ['x_digit_one']));
    const said = (n: number) => [
      'my',
      'order',
      'number',
      'is',
      ...Array.from({ length: n }, () => 'x_digit_one'),
    ];
    for (const n of [1, 5, 7, 9]) expect(accepts(graph, said(n)), `${n} decoys`).toBe(true);
    for (const n of [6, 10]) expect(accepts(graph, said(n)), `${n} decoys`).toBe(false);
    expect(accepts(graph, 'my order number is one one one one one one'.split(' '))).toBe(true);
  });

  it('adds free silence at both ends, the phone loop for the whole utterance and after unfinished phrases only', () => {
    const built = domain(['where is my order', 'where is my order please', 'cancel my order']);
    const graph = decodingGraph(built.expr, ['x_phone_k', 'x_phone_ae']);
    expect(graph.arcs).toContainEqual({ from: graph.start, to: graph.start, word: '<sil>' });
    expect(graph.arcs).toContainEqual({ from: graph.final, to: graph.final, word: '<sil>' });
    expect(accepts(graph, ['x_phone_k', 'x_phone_ae'])).toBe(true);
    expect(accepts(graph, ['where', 'is', 'my', 'x_phone_k', 'x_phone_ae'])).toBe(true);
    // After a whole phrase, trailing noise is not a reason to reject it.
    expect(accepts(graph, ['cancel', 'my', 'order', 'x_phone_k'])).toBe(false);
    expect(accepts(graph, ['where', 'is', 'my', 'order', 'x_phone_k'])).toBe(false);
    // Leaving a phrase prefix for the loop costs more than the loop on its own.
    const firstPhoneProb = (from: number) =>
      graph.arcs.find((a) => a.from === from && a.word === 'x_phone_k')?.prob ?? 1;
    const afterWhere = graph.arcs.find((a) => a.from === graph.start && a.word === 'where')?.to as number;
    const tailEntry = graph.arcs.find((a) => a.from === afterWhere && a.word === null)?.to as number;
    expect(firstPhoneProb(graph.start)).toBeLessThan(1);
    expect(firstPhoneProb(tailEntry)).toBeLessThan(firstPhoneProb(graph.start));
  });
});

describe('recombinedGraph', () => {
  const built = domain([
    'i want to talk to a human',
    "i'd like to return my order",
    'my order number is {order_number}',
  ]);
  const phrases = phraseItems(built.expr);
  const graph = recombinedGraph(wordGraph(built.expr), phrases, DEFAULT_RECOMBINATION);
  const said = (text: string) => text.split(' ');

  it('keeps every phrase of the domain, word for word and at no cost', () => {
    for (const p of ["i'd like to return my order", 'my order number is one two three four five six'])
      expect(accepts(graph, said(p)), p).toBe(true);
    const exact = wordGraph(built.expr);
    for (const arc of exact.arcs) expect(graph.arcs).toContainEqual(arc);
  });

  it('accepts pieces of phrases joined at a shared word, and single words after any word at a cost', () => {
    // "i want to" + "to return my order": a path through the phrases' word pairs.
    expect(accepts(graph, said('i want to return my order'))).toBe(true);
    // "return" after "talk": no phrase says it, the back-off does.
    expect(accepts(graph, said('i want to talk return my order'))).toBe(true);
    // Still ends where a phrase ends, and digits only in the slot.
    expect(accepts(graph, said('i want to talk to'))).toBe(false);
    expect(accepts(graph, said('one two three four five six'))).toBe(false);
    const entry = graph.arcs.find((a) => a.from === graph.start && a.word === 'i' && a.prob !== undefined);
    expect(entry?.prob).toBeLessThan(1e-10);
  });

  it('leaves no chain of word-less arcs, which the decoder would not follow', () => {
    const nullFrom = new Set(graph.arcs.filter((a) => a.word === null).map((a) => a.from));
    for (const arc of graph.arcs)
      if (arc.word === null) expect(nullFrom.has(arc.to), `${arc.from}→${arc.to}`).toBe(false);
  });

  it('counts the joins of a transcript: word pairs, start and end no phrase has', () => {
    const pairs = phrasePairs(phrases);
    expect(countJoins(said("i'd like to return my order"), pairs)).toBe(0);
    expect(countJoins(said('i want to return my order'), pairs)).toBe(0);
    expect(countJoins(said('talk to a human'), pairs)).toBe(1);
    expect(countJoins(said('my order number is four two four two four two'), pairs)).toBe(0);
    expect(countJoins(said('human talk my order'), pairs)).toBe(3);
  });
});
