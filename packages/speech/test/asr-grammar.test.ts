import { FRENCH } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { numberToWords } from '../src/asr/grammar.js';
import { buildGrammar, jsgfWords, normalizePhrase, spokenForm } from '../src/asr/index.js';

describe('spokenForm', () => {
  it('reads order and phone numbers digit by digit, and smaller numbers as numbers', () => {
    expect(spokenForm("It's 482913, and 2 items.")).toBe("it's four eight two nine one three and two items");
    expect(spokenForm('order 12345')).toBe('order one two three four five');
  });
});

describe('normalizePhrase', () => {
  it('lower-cases, spells numbers and symbols, and drops punctuation but not apostrophes', () => {
    expect(normalizePhrase("What's the status of order 24, please?")).toBe(
      "what's the status of order twenty four please",
    );
    expect(normalizePhrase('Terms & conditions: 100% refund')).toBe(
      'terms and conditions one hundred percent refund',
    );
    expect(normalizePhrase('My order number is {order_number}.')).toBe('my order number is {order_number}');
  });
});

describe('numberToWords', () => {
  it('says whole numbers as English words', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(15)).toBe('fifteen');
    expect(numberToWords(40)).toBe('forty');
    expect(numberToWords(123)).toBe('one hundred twenty three');
    expect(numberToWords(2005)).toBe('two thousand five');
    expect(() => numberToWords(-1)).toThrow();
  });
});

describe('buildGrammar', () => {
  const known = new Set(
    'my order number is zero oh one two three four five six seven eight nine cancel red blue green i want seats hello'.split(
      ' ',
    ),
  );
  const isKnownWord = (w: string) => known.has(w) || /^(twenty|ten|eleven|twelve)$/.test(w);

  it('turns a digits slot into a rule of min required and max-min optional digits, with "oh" for zero', () => {
    const built = buildGrammar(
      {
        phrases: ['My order number is {order_number}'],
        slots: [{ name: 'order_number', kind: 'digits', min: 5, max: 8 }],
      },
      { isKnownWord },
    );
    expect(built.jsgf).toContain('public <utterance> = (my order number is <slot_order_number>);');
    expect(built.jsgf).toContain(
      '<slot_order_number> = <digit> <digit> <digit> <digit> <digit> [<digit> [<digit> [<digit>]]];',
    );
    expect(built.jsgf).toMatch(/<digit> = zero \| one .* \| nine \| oh;/);
    expect(built.dropped).toEqual([]);
    expect(built.words).toContain('oh');
  });

  it('keeps a phrase that is only a slot, as people answer "what is your order number?"', () => {
    const built = buildGrammar(
      {
        phrases: ['{order_number}', "it's {order_number}", '{order_number} please'],
        slots: [{ name: 'order_number', kind: 'digits', min: 6, max: 6 }],
      },
      { isKnownWord: (w) => known.has(w) || w === "it's" || w === 'please' },
    );
    expect(built.dropped).toEqual([]);
    expect(built.phrases).toEqual(['{order_number}', "it's {order_number}", '{order_number} please']);
    expect(built.jsgf).toContain('public <utterance> = (<slot_order_number>) | ');
  });

  it('keeps one of phrases that sound alike word for word, the one in the more common words', () => {
    const sounds: Record<string, string> = { u: 'Y UW', you: 'Y UW', know: 'N OW', no: 'N OW' };
    const built = buildGrammar(
      {
        phrases: ['do u ship to france', 'do you ship to france', 'can you help', "i don't know", 'no'],
      },
      { soundsLike: (w) => sounds[w] ?? w },
    );
    expect(built.phrases).toEqual(['do you ship to france', 'can you help', "i don't know", 'no']);
  });

  it('drops phrases and slot values with words the dictionary lacks, and says which words', () => {
    const built = buildGrammar(
      {
        phrases: ['Cancel my order', 'Cancel my zorblax order', 'I want {colour}', 'I want {size}'],
        slots: [{ name: 'colour', kind: 'values', values: ['red', 'blue', 'chartreuse'] }],
      },
      { isKnownWord },
    );
    expect(built.phrases).toEqual(['cancel my order', 'i want {colour}']);
    expect(built.dropped).toEqual([
      { phrase: 'chartreuse', slot: 'colour', reason: 'unknown-words', unknownWords: ['chartreuse'] },
      { phrase: 'Cancel my zorblax order', reason: 'unknown-words', unknownWords: ['zorblax'] },
      { phrase: 'I want {size}', reason: 'unknown-slot', unknownWords: ['{size}'] },
    ]);
    expect(built.jsgf).toContain('<slot_colour> = (red) | (blue);');
  });

  it('enumerates a number slot as words', () => {
    const built = buildGrammar(
      { phrases: ['{seats} seats'], slots: [{ name: 'seats', kind: 'number', min: 10, max: 12 }] },
      { isKnownWord },
    );
    expect(built.jsgf).toContain('<slot_seats> = (ten) | (eleven) | (twelve);');
  });

  it('refuses a grammar where nothing is left to recognize', () => {
    expect(() => buildGrammar({ phrases: ['zorblax quux'] }, { isKnownWord })).toThrow(/no phrase/);
  });

  it('lists the words of a hand-written JSGF grammar', () => {
    const words = jsgfWords(
      '#JSGF V1.0;\ngrammar g;\n/* comment */\npublic <a> = go <dir> [ten | two] /2/ meters {tag};\n<dir> = forward | back;',
    );
    expect(words).toEqual(['back', 'forward', 'go', 'meters', 'ten', 'two']);
  });
});

describe('buildGrammar in French', () => {
  const words = new Set(
    "je voudrais suivre ma commande mon numéro est c' est l' adresse zéro zero un deux trois quatre cinq six sept huit neuf vingt et".split(
      ' ',
    ),
  );
  const isKnownWord = (w: string) => words.has(w);

  it('takes French digit words, with "zero" for zéro, and keeps accents', () => {
    const built = buildGrammar(
      { phrases: ['mon numéro est {order}'], slots: [{ name: 'order', kind: 'digits', min: 6, max: 6 }] },
      { isKnownWord, language: FRENCH },
    );
    expect(built.phrases).toEqual(['mon numéro est {order}']);
    expect(built.jsgf).toContain(
      '<digit> = zéro | un | deux | trois | quatre | cinq | six | sept | huit | neuf | zero;',
    );
  });

  it('spells numerals and number slots in French', () => {
    const built = buildGrammar(
      {
        phrases: ['mon numéro est 21', 'mon numéro est {n}'],
        slots: [{ name: 'n', kind: 'number', min: 20, max: 23 }],
      },
      { isKnownWord, language: FRENCH },
    );
    expect(built.phrases).toContain('mon numéro est vingt et un');
    expect(built.jsgf).toContain('<slot_n> = (vingt) | (vingt et un) | (vingt deux) | (vingt trois);');
  });

  it('says an elided word the dictionary lacks whole as its two parts', () => {
    const built = buildGrammar(
      { phrases: ["c'est ma commande", "l'adresse"] },
      { isKnownWord, language: FRENCH },
    );
    expect(built.phrases).toEqual(["c' est ma commande", "l' adresse"]);
    expect(built.dropped).toEqual([]);
  });
});
