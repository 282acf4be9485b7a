import type { SpokenLanguage } from '@visemo/core';
import { foldCase } from './text.js';

const byLanguage = new Map<string, Readonly<Record<string, string>>>();

/**
 * The words read as one digit in a code, folded as the tokenizer folds them ("zéro" → "zero"):
 * the language's digit words and aliases; English also takes the letter "o" for zero.
 */
export function foldedDigitWords(language: SpokenLanguage): Readonly<Record<string, string>> {
  let words = byLanguage.get(language.code);
  if (!words) {
    const table: Record<string, string> = {};
    language.digitWords.forEach((word, digit) => {
      table[foldCase(word)] = String(digit);
    });
    for (const [word, digit] of Object.entries(language.digitAliases)) table[foldCase(word)] = digit;
    if (language.code === 'en') table.o = '0';
    words = table;
    byLanguage.set(language.code, words);
  }
  return words;
}
