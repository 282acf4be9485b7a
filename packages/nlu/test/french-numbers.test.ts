import { FRENCH } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { createEntityExtractor } from '../src/entities.js';
import { readDigits, readNumber } from '../src/numbers.js';
import { normalizeWords, tokenize } from '../src/text.js';

const words = (text: string) => tokenize(text).map((t) => t.norm);

describe('French numbers in the NLU', () => {
  it('reads back every number core spells, 0 to 100,000', () => {
    const wrong: string[] = [];
    for (let n = 0; n <= 100_000; n += n < 2000 ? 1 : 37) {
      const said = words(FRENCH.numberToWords(n));
      const span = readNumber(said, 0, FRENCH);
      if (span?.value !== n || span.to !== said.length)
        wrong.push(`${n}: ${said.join(' ')} → ${span?.value}`);
    }
    expect(wrong).toEqual([]);
  });

  it('reads numbers as people type them, hyphens and accents or not', () => {
    expect(readNumber(words('quatre-vingt-dix-sept euros'), 0, FRENCH)).toMatchObject({ value: 97, to: 4 });
    expect(readNumber(words('soixante-et-onze'), 0, FRENCH)?.value).toBe(71);
    expect(readNumber(words('Zéro'), 0, FRENCH)?.value).toBe(0);
    expect(readNumber(words('1 200'), 0, FRENCH)?.value).toBe(1);
    expect(readNumber(words('bonjour'), 0, FRENCH)).toBeNull();
  });

  it('stops where the number stops', () => {
    // "vingt deux trois" is 22, then a new number.
    expect(readNumber(words('vingt deux trois'), 0, FRENCH)).toMatchObject({ value: 22, to: 2 });
    expect(readNumber(words('dix deux'), 0, FRENCH)).toMatchObject({ value: 10, to: 1 });
  });

  it('reads a code said digit by digit', () => {
    expect(readDigits(words('un deux trois zéro quatre cinq'), 0, FRENCH)?.digits).toBe('123045');
    expect(readDigits(words('one two'), 0, FRENCH)).toBeNull();
  });

  it('finds a six-digit order number in a French sentence', () => {
    const extractor = createEntityExtractor(
      [{ name: 'commande', kind: 'digits', length: { min: 6, max: 6 } }],
      {
        language: FRENCH,
      },
    );
    const [match] = extractor.extract('ma commande est quatre cinq un deux zéro neuf merci');
    expect(match).toMatchObject({
      entity: 'commande',
      value: '451209',
      text: 'quatre cinq un deux zéro neuf',
    });
  });

  it('splits elided words into their full form', () => {
    expect(normalizeWords("J'ai perdu l'adresse qu'il m'a donnée aujourd'hui")).toEqual([
      'je',
      'ai',
      'perdu',
      'le',
      'adresse',
      'que',
      'il',
      'me',
      'a',
      'donnee',
      'aujourdhui',
    ]);
    expect(normalizeWords("don't")).toEqual(['do', 'not']);
  });
});
