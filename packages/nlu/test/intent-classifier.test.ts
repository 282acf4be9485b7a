import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_UTTERANCES } from '../src/background.js';
import { trainIntentClassifier } from '../src/index.js';
import { supportAgent } from './domain.js';

/** `split<TAB>intent<TAB>text` lines of 20 CLINC150 intents (CC BY 3.0: see clinc150/README.md). */
const CLINC150_SUBSET = join(import.meta.dirname, 'clinc150/20-intents.tsv');

const examples = supportAgent().intents.flatMap((i) => i.examples.map((text) => ({ text, intent: i.name })));

describe('trainIntentClassifier on a small domain', () => {
  const classifier = trainIntentClassifier(examples);

  it.each([
    ['hey, good morning', 'greet'],
    ['where is my package', 'order_status'],
    ["my parcel still hasn't arrived", 'order_status'],
    ['what time do you open on sunday', 'opening_hours'],
    ['I would like to return a sweater', 'return_item'],
    ['is there a shop in London', 'store_location'],
    ['I want to buy five tickets', 'buy_tickets'],
    ['ok bye, have a good day', 'goodbye'],
    // typos
    ['wher is my ordr', 'order_status'],
    ['what are your openng hours', 'opening_hours'],
  ])('"%s" → %s', (text, intent) => {
    const result = classifier.classify(text);
    expect(result.intent).toBe(intent);
    expect(result.ranking[0]?.intent).toBe(intent);
    expect(result.confidence).toBe(result.ranking[0]?.confidence);
  });

  // None of these is in BACKGROUND_UTTERANCES (checked below): they test generalisation.
  const outOfScope = [
    'how do I cook rice',
    'what is the best pizza in town',
    'can you help me with my homework',
    'i want to book a flight to rome',
    'who won the world cup in 1998',
    'xqzv plork',
  ];
  it('tests out-of-scope utterances the classifier has not seen', () => {
    for (const text of outOfScope) expect(BACKGROUND_UTTERANCES).not.toContain(text);
  });

  it.each(outOfScope)('rejects out-of-scope "%s"', (text) => {
    const result = classifier.classify(text);
    expect(result.intent).toBeNull();
    expect(result.confidence).toBeLessThan(0.5);
  });

  it('ranks intents with confidences in 0..1, best first', () => {
    const { ranking } = classifier.classify('where is my order');
    expect(ranking.length).toBe(7);
    for (let k = 1; k < ranking.length; k++) {
      expect(ranking[k]?.confidence).toBeLessThanOrEqual(ranking[k - 1]?.confidence as number);
    }
    const sum = ranking.reduce((s, r) => s + r.confidence, 0);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('claims such utterances without its background class', () => {
    const bare = trainIntentClassifier(examples, { background: [] });
    const claimed = outOfScope.filter((text) => bare.classify(text).intent !== null);
    expect(claimed.length).toBeGreaterThan(0);
  });

  it('applies the threshold it is given', () => {
    const text = 'where is my parcel';
    const { confidence } = classifier.classify(text);
    expect(classifier.withThreshold(confidence + 0.01).classify(text).intent).toBeNull();
    expect(classifier.withThreshold(confidence - 0.01).classify(text).intent).toBe('order_status');
  });

  it('returns no intent for an utterance with no known feature', () => {
    expect(classifier.classify('').intent).toBeNull();
    expect(classifier.classify('!!!').ranking).toEqual([]);
  });
});

describe('utterances a person judged out of scope', () => {
  // So close to the example "do you have a store in Berlin" that the background filter drops it.
  const close = 'do you have a store in Berlin that sells pizza';

  it('are negatives of every intent however close they are to an example', () => {
    const asBackground = trainIntentClassifier(examples, { background: [...BACKGROUND_UTTERANCES, close] });
    expect(asBackground.classify(close).intent).toBe('store_location');
    const judged = trainIntentClassifier(examples, { outOfScope: [close] });
    expect(judged.classify(close).intent).toBeNull();
    expect(judged.classify('do you have a store in Munich').intent).toBe('store_location');
  });
});

describe('a domain of one intent', () => {
  it('tells its intent from everything else through the background', () => {
    const hours = examples.filter((e) => e.intent === 'opening_hours');
    const classifier = trainIntentClassifier(hours);
    expect(classifier.classify('when do you open on monday').intent).toBe('opening_hours');
    expect(classifier.classify('can you help me with my homework').intent).toBeNull();
  });
});

describe('determinism', () => {
  it('gives the same confidences for the same data and seed', () => {
    const a = trainIntentClassifier(examples, { seed: 3 });
    const b = trainIntentClassifier(examples, { seed: 3 });
    for (const text of ['hello there', 'return my jeans', 'is the store open late', 'what is love']) {
      expect(a.classify(text)).toEqual(b.classify(text));
    }
  });
});

describe('on CLINC150', () => {
  it('learns 20 intents well above chance (5 %)', () => {
    const rows = readFileSync(CLINC150_SUBSET, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t') as [string, string, string]);
    const train = rows.filter(([split]) => split === 'train').map(([, intent, text]) => ({ text, intent }));
    const test = rows
      .filter(([split]) => split === 'test')
      .map(([, intent, text]) => [text, intent] as const);
    expect(new Set(train.map((e) => e.intent)).size).toBe(20);
    const classifier = trainIntentClassifier(train, { threshold: 0 });
    const correct = test.filter(([text, intent]) => classifier.classify(text).intent === intent).length;
    expect(test.length).toBe(600);
    expect(correct / test.length).toBeGreaterThan(0.9);
  });
});
