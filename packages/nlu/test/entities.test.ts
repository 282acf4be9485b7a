import type { EntitySpec } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { createEntityExtractor } from '../src/index.js';
import { supportAgent } from './domain.js';

const entities = supportAgent().entities;
const extractor = createEntityExtractor(entities);
const of = (text: string, entity: string) => extractor.extract(text).filter((m) => m.entity === entity);

describe('closed value lists', () => {
  it('finds a value case-insensitively, with its place in the text', () => {
    const text = 'Is there a store in BERLIN?';
    expect(of(text, 'city')).toEqual([
      { entity: 'city', value: 'Berlin', text: 'BERLIN', start: 20, end: 26 },
    ]);
  });

  it('maps synonyms, including multi-word ones, to their value', () => {
    expect(of('flying to the Big Apple tomorrow', 'city')).toMatchObject([
      { value: 'New York', text: 'the Big Apple' },
    ]);
    expect(of('a shop in nyc', 'city')).toMatchObject([{ value: 'New York', text: 'nyc' }]);
    expect(of('I want to return my jumper', 'garment')).toMatchObject([{ value: 'sweater', text: 'jumper' }]);
    expect(of('new york or london', 'city').map((m) => m.value)).toEqual(['New York', 'London']);
  });

  it('ignores accents', () => {
    expect(of('Munchen bitte', 'city')).toMatchObject([{ value: 'Munich', text: 'Munchen' }]);
    expect(of('München', 'city')).toMatchObject([{ value: 'Munich' }]);
  });

  it('matches whole words only', () => {
    expect(of('parisian cafes', 'city')).toEqual([]);
    expect(of('my shoestring budget', 'garment')).toEqual([]);
  });

  it('forgives one typo in a value of five letters or more', () => {
    expect(of('a store in Berlim', 'city')).toMatchObject([{ value: 'Berlin', text: 'Berlim' }]);
    expect(of('a store in Lodnon', 'city')).toMatchObject([{ value: 'London', text: 'Lodnon' }]);
    expect(of('return the jakcet', 'garment')).toMatchObject([{ value: 'jacket' }]);
    // two typos in a six-letter value is too far
    expect(of('a store in Bxrlim', 'city')).toEqual([]);
  });

  it('does not guess short values from near misses', () => {
    const short = createEntityExtractor([
      {
        name: 'size',
        values: [
          { value: 'small', synonyms: [] },
          { value: 'XL', synonyms: [] },
        ],
      },
    ]);
    expect(short.extract('an XS please')).toEqual([]);
    expect(short.extract('a smal one')).toMatchObject([{ value: 'small' }]);
  });

  it('does not take a known word for a typo', () => {
    const withWords = createEntityExtractor(entities, { knownWords: ['parts'] });
    expect(withWords.extract('spare parts').filter((m) => m.entity === 'city')).toEqual([]);
    expect(of('spare parts', 'city')).toMatchObject([{ value: 'Paris' }]);
  });
});

describe('numbers', () => {
  it.each([
    ['I want 3 tickets', '3', '3'],
    ['twenty five tickets', '25', 'twenty five'],
    ['twenty-five tickets', '25', 'twenty-five'],
    ['one hundred and five people', '105', 'one hundred and five'],
    ['a hundred seats', '100', 'a hundred'],
    ['two thousand three hundred forty two', '2342', 'two thousand three hundred forty two'],
    ['fifteen hundred', '1500', 'fifteen hundred'],
    ['1,200 dollars', '1200', '1,200'],
    ['zero', '0', 'zero'],
    ['eleven', '11', 'eleven'],
  ])('"%s" → %s', (text, value, said) => {
    expect(of(text, 'quantity')).toMatchObject([{ value, text: said }]);
  });

  it('splits number words that cannot form one number', () => {
    expect(of('one two', 'quantity').map((m) => m.value)).toEqual(['1', '2']);
    expect(of('five fifty', 'quantity').map((m) => m.value)).toEqual(['5', '50']);
  });

  it('finds none where there is none', () => {
    expect(of('a ticket for the show', 'quantity')).toEqual([]);
    expect(of('and then', 'quantity')).toEqual([]);
  });
});

describe('digit codes', () => {
  it.each([
    ['my order number is 123456', '123456'],
    ['one two three four five six', '123456'],
    ['it is four oh seven one two', '40712'],
    ['zero zero one two three', '00123'],
    ['double five one two three', '55123'],
    ['12 34 56', '123456'],
    ['12345678', '12345678'],
  ])('"%s" → %s', (text, value) => {
    expect(of(text, 'order_number')).toMatchObject([{ value }]);
  });

  it('keeps to the allowed length', () => {
    expect(of('order 1234', 'order_number')).toEqual([]);
    expect(of('order 123456789', 'order_number')).toEqual([]);
    expect(of('one two three four', 'order_number')).toEqual([]);
  });

  it('does not read "oh" alone as zero', () => {
    const one: EntitySpec[] = [{ name: 'pin', kind: 'digits', length: { min: 1, max: 4 } }];
    expect(createEntityExtractor(one).extract('oh well')).toEqual([]);
    expect(createEntityExtractor(one).extract('oh one')).toMatchObject([{ value: '01', text: 'oh one' }]);
  });

  it('reports the original text span', () => {
    const text = 'Order: one two three, four five!';
    const [m] = of(text, 'order_number');
    expect(m).toMatchObject({ value: '12345', text: 'one two three, four five' });
    expect(text.slice(m?.start, m?.end)).toBe(m?.text);
  });
});

it('orders the matches of all entities by position', () => {
  const matches = extractor.extract('send 2 jackets to Paris, order 123456');
  expect(matches.map((m) => [m.entity, m.value])).toEqual([
    ['quantity', '2'],
    ['garment', 'jacket'],
    ['city', 'Paris'],
    // the same span for two entities: in the order the spec declares them
    ['order_number', '123456'],
    ['quantity', '123456'],
  ]);
});
