import { describe, expect, it } from 'vitest';
import { FRENCH, findSpokenLanguage, spokenLanguage } from '../src/index.js';

describe('French number words', () => {
  it.each([
    [0, 'zéro'],
    [1, 'un'],
    [16, 'seize'],
    [17, 'dix sept'],
    [21, 'vingt et un'],
    [22, 'vingt deux'],
    [61, 'soixante et un'],
    [70, 'soixante dix'],
    [71, 'soixante et onze'],
    [77, 'soixante dix sept'],
    [80, 'quatre vingts'],
    [81, 'quatre vingt un'],
    [91, 'quatre vingt onze'],
    [99, 'quatre vingt dix neuf'],
    [100, 'cent'],
    [101, 'cent un'],
    [200, 'deux cents'],
    [250, 'deux cent cinquante'],
    [1000, 'mille'],
    [2025, 'deux mille vingt cinq'],
    [80_000, 'quatre vingt mille'],
    [200_000, 'deux cent mille'],
    [1_000_000, 'un million'],
    [3_000_021, 'trois millions vingt et un'],
  ])('says %i as "%s"', (n, words) => {
    expect(FRENCH.numberToWords(n)).toBe(words);
  });

  it('refuses what it cannot say', () => {
    expect(() => FRENCH.numberToWords(-1)).toThrow(RangeError);
    expect(() => FRENCH.numberToWords(1.5)).toThrow(RangeError);
    expect(() => FRENCH.numberToWords(1e9)).toThrow(RangeError);
  });

  it('reads codes digit by digit', () => {
    expect(FRENCH.digitsToWords('402')).toBe('quatre zéro deux');
  });
});

describe('spokenLanguage', () => {
  it('knows French by any region and English by default', () => {
    expect(spokenLanguage('fr-CA').code).toBe('fr');
    expect(spokenLanguage('FR').code).toBe('fr');
    expect(spokenLanguage('en-GB').code).toBe('en');
    expect(spokenLanguage('de-DE').code).toBe('en');
    expect(findSpokenLanguage('de-DE')).toBeUndefined();
  });
});
