import { describe, expect, it } from 'vitest';
import { digitsToWords, numberToWords } from '../src/number-words.js';

describe('numberToWords', () => {
  it('spells numbers the way people say them', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(13)).toBe('thirteen');
    expect(numberToWords(40)).toBe('forty');
    expect(numberToWords(95)).toBe('ninety five');
    expect(numberToWords(100)).toBe('one hundred');
    expect(numberToWords(2025)).toBe('two thousand twenty five');
    expect(numberToWords(120_007)).toBe('one hundred twenty thousand seven');
    expect(numberToWords(3_000_001)).toBe('three million one');
  });

  it('refuses what it cannot spell', () => {
    expect(() => numberToWords(-1)).toThrow(RangeError);
    expect(() => numberToWords(1.5)).toThrow(RangeError);
    expect(() => numberToWords(1_000_000_000)).toThrow(RangeError);
  });
});

describe('digitsToWords', () => {
  it('says a code digit by digit', () => {
    expect(digitsToWords('4802')).toBe('four eight zero two');
  });
});
