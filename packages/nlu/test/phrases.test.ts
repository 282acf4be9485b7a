import { AgentSchema } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { domainPhrases, spoken } from '../src/index.js';
import { supportAgent } from './domain.js';

describe('domainPhrases', () => {
  const { phrases, slots } = domainPhrases(supportAgent());

  it('holds the intent examples as lower-case words', () => {
    expect(phrases).toContain('hello anyone there');
    expect(phrases).toContain('what time do you close today');
    expect(phrases).toContain("that's everything thanks");
  });

  it('turns digits into a placeholder where a digits or number entity covers them', () => {
    expect(phrases).toContain("what's the status of order {order_number}");
    expect(phrases).toContain('track order {order_number}');
    expect(phrases).toContain('i want {quantity} tickets for the show');
    expect(phrases).toContain('get me {quantity} tickets for the concert');
    expect(phrases.some((p) => /\d/.test(p))).toBe(false);
  });

  it('makes a variant of an example for every value and synonym of an entity it mentions', () => {
    for (const city of [
      'paris',
      'berlin',
      'london',
      'madrid',
      'new york',
      'nyc',
      'the big apple',
      'munich',
      'munchen',
    ]) {
      expect(phrases).toContain(`do you have a store in ${city}`);
    }
    expect(phrases).toContain('i want to return my jumper');
  });

  it("answers the flows' slot questions", () => {
    for (const p of [
      '{order_number}',
      "it's {order_number}",
      'my order number is {order_number}',
      'the order number is {order_number}',
    ]) {
      expect(phrases).toContain(p);
    }
    for (const p of ['madrid', "it's the big apple", 'my city is berlin']) expect(phrases).toContain(p);
  });

  it('includes yes, no and greetings', () => {
    for (const p of ['yes', 'no', 'hello', 'goodbye', 'thank you']) expect(phrases).toContain(p);
  });

  it('lists each phrase once', () => {
    expect(new Set(phrases).size).toBe(phrases.length);
  });

  it('describes the slots', () => {
    expect(slots).toEqual([
      { name: 'order_number', kind: 'digits', min: 5, max: 8 },
      { name: 'quantity', kind: 'number', min: 0, max: 2000 },
    ]);
  });

  it('spells numerals that no entity covers', () => {
    const spec = AgentSchema.parse({
      persona: { name: 'A', greeting: 'Hi' },
      intents: [
        {
          name: 'hours',
          examples: ['are you open at 9', 'open 24/7?', 'call 0800 1234', 'is it 3.5 km away'],
        },
      ],
    });
    const { phrases: p, slots: s } = domainPhrases(spec);
    expect(p).toContain('are you open at nine');
    expect(p).toContain('open twenty four seven');
    expect(p).toContain('call zero eight zero zero one thousand two hundred thirty four');
    expect(p).toContain('is it three point five km away');
    expect(s).toEqual([]);
  });
});

it('gives slots without bounds in the spec the default bounds', () => {
  const spec = AgentSchema.parse({
    persona: { name: 'A', greeting: 'Hi' },
    intents: [{ name: 'pin', examples: ['my pin is 1234', 'the code is 99'] }],
    entities: [{ name: 'pin', kind: 'digits' }],
  });
  const { phrases, slots } = domainPhrases(spec);
  expect(slots).toEqual([{ name: 'pin', kind: 'digits', min: 1, max: 12 }]);
  expect(phrases).toContain('my pin is {pin}');
  expect(phrases).toContain('the code is {pin}');
});

describe('spoken', () => {
  it('keeps contractions and drops punctuation', () => {
    expect(spoken("What's up? I'm OK — thanks!")).toBe("what's up i'm ok thanks");
  });

  it('spells numbers', () => {
    expect(spoken('room 101')).toBe('room one hundred one');
    expect(spoken('since 2025')).toBe('since two thousand twenty five');
  });
});
