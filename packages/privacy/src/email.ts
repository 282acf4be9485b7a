import { type PiiSpan, span } from './pii-span.js';

const WRITTEN = /(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g;

/**
 * Top-level domains a spoken address may end with. A transcript has "at" and "dot" everywhere; a
 * known ending keeps "look at this dot" from reading as an address.
 */
const SPOKEN_TLDS = [
  'com',
  'net',
  'org',
  'info',
  'biz',
  'edu',
  'gov',
  'io',
  'co',
  'eu',
  'uk',
  'us',
  'ca',
  'au',
  'de',
  'at',
  'ch',
  'fr',
  'es',
  'it',
  'nl',
  'be',
  'dk',
  'se',
  'no',
  'fi',
  'pl',
  'ie',
  'pt',
  'cz',
  'example',
];
const PART = '[A-Za-z0-9]+';
const LOCAL_JOINERS = '(?:dot|underscore|dash|hyphen)';
const SPOKEN = new RegExp(
  `\\b(${PART}(?:\\s${LOCAL_JOINERS}\\s${PART})*)\\sat\\s(${PART}(?:\\s(?:dot|dash|hyphen)\\s${PART})*\\sdot\\s(?:${SPOKEN_TLDS.join('|')}))\\b`,
  'gi',
);
const SPOKEN_SYMBOLS: Record<string, string> = { dot: '.', underscore: '_', dash: '-', hyphen: '-' };

/** E-mail addresses, written ("maya@shopright.example") and spoken ("maya at shopright dot example"). */
export function findEmails(text: string): PiiSpan[] {
  const spans: PiiSpan[] = [];
  for (const match of text.matchAll(WRITTEN)) {
    spans.push(span('email', match.index, match.index + match[0].length, match[0].toLowerCase()));
  }
  for (const match of text.matchAll(SPOKEN)) {
    const value = `${unspeak(match[1] as string)}@${unspeak(match[2] as string)}`;
    spans.push(span('email', match.index, match.index + match[0].length, value));
  }
  return spans;
}

function unspeak(words: string): string {
  return words
    .toLowerCase()
    .split(/\s+/)
    .map((w) => SPOKEN_SYMBOLS[w] ?? w)
    .join('');
}
