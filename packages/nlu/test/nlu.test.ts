import { describe, expect, it } from 'vitest';
import { createEntityExtractor, createNlu } from '../src/index.js';
import { trainingExamples } from '../src/nlu.js';
import { supportAgent } from './domain.js';

describe('createNlu', () => {
  const nlu = createNlu(supportAgent());

  it('classifies and extracts entities in one result', () => {
    const result = nlu.classify('Is there a shop in Munich?');
    expect(result.intent).toBe('store_location');
    expect(result.text).toBe('Is there a shop in Munich?');
    expect(result.entities).toEqual([
      { entity: 'city', value: 'Munich', text: 'Munich', start: 19, end: 25 },
    ]);
  });

  it('understands what a speech recognizer writes for numbers', () => {
    const result = nlu.classify('track order four five six seven eight');
    expect(result.intent).toBe('order_status');
    expect(result.entities).toContainEqual(
      expect.objectContaining({ entity: 'order_number', value: '45678' }),
    );
    const tickets = nlu.classify('i want twelve tickets');
    expect(tickets.intent).toBe('buy_tickets');
    expect(tickets.entities).toEqual([expect.objectContaining({ entity: 'quantity', value: '12' })]);
  });

  it('corrects a typo in an entity value but not in a word of the domain', () => {
    expect(nlu.classify('a store in Berlni').entities).toMatchObject([{ value: 'Berlin' }]);
    // "store" is a word of the examples, so it is never read as a misspelt value
    expect(nlu.classify('where is your store').entities).toEqual([]);
  });

  it('rejects out-of-scope utterances with no entity guess forced', () => {
    const result = nlu.classify('what is the meaning of all this');
    expect(result.intent).toBeNull();
  });

  it("uses the agent's threshold", () => {
    const text = 'can you check it';
    const strict = createNlu(supportAgent(0.999)).classify(text);
    const lax = createNlu(supportAgent(0)).classify(text);
    expect(strict.intent).toBeNull();
    expect(lax.intent).not.toBeNull();
    expect(lax.confidence).toBeCloseTo(strict.confidence, 10);
  });
});

describe('trainingExamples', () => {
  const spec = supportAgent();
  const extractor = createEntityExtractor(spec.entities, {
    knownWords: spec.intents.flatMap((i) => i.examples.join(' ').toLowerCase().split(/\W+/)),
  });
  const examples = trainingExamples(spec, extractor.extract, 3);

  it('keeps every example', () => {
    for (const intent of spec.intents) {
      for (const text of intent.examples) expect(examples).toContainEqual({ text, intent: intent.name });
    }
  });

  it('adds variants with other entity values, spread over the list', () => {
    const variants = examples.filter(
      (e) => e.intent === 'store_location' && e.text.startsWith('do you have a store in '),
    );
    expect(variants.length).toBe(4);
    expect(new Set(variants.map((v) => v.text)).size).toBe(4);
  });

  it('adds digit and number examples spelt out', () => {
    expect(examples).toContainEqual({
      text: 'track order five five five one two three',
      intent: 'order_status',
    });
    expect(examples).toContainEqual({ text: 'I want two tickets for the show', intent: 'buy_tickets' });
  });
});
