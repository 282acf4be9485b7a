import { ENGLISH, ErrorCode, type SpokenLanguage, VisemoError } from '@visemo/core';
import { alt, type GrammarExpr, seq, word } from './word-graph.js';

/**
 * Compiles an agent's domain (the utterances people say to it, with slots such as an order number)
 * into a JSGF grammar for the grammar recognizer. Phrases are normalised to lower-case dictionary
 * words; a phrase with a word the recognizer cannot pronounce is dropped and reported, because a
 * grammar with an unknown word does not load at all.
 */

/** A slot a phrase refers to as `{name}`. */
export type GrammarSlot =
  /** Digits said one by one ("one two oh four"), `min`..`max` of them; zero is "zero" or "oh". */
  | { name: string; kind: 'digits'; min: number; max: number }
  /** A cardinal number said as words ("twenty four"), `min`..`max` inclusive, at most 2,001 values. */
  | { name: string; kind: 'number'; min: number; max: number }
  /** One of a list of words or phrases (entity values, synonyms). */
  | { name: string; kind: 'values'; values: string[] };

export interface GrammarInput {
  /** Utterances of the domain; `{slot}` refers to a slot by name. Any case and punctuation. */
  phrases: string[];
  slots?: GrammarSlot[];
  /** Pronunciations for words the dictionary lacks, in the model's phones (ARPAbet for en-us): `{ visemo: 'V IH S EH M OW' }`. */
  pronunciations?: Record<string, string>;
}

export interface DroppedPhrase {
  /** The phrase or slot value as given. */
  phrase: string;
  /** Set when the dropped text is a value of this slot. */
  slot?: string;
  /** Why: the words the dictionary lacks, or a slot that is not defined. */
  reason: 'unknown-words' | 'unknown-slot' | 'empty';
  unknownWords: string[];
}

export interface BuiltGrammar {
  /** JSGF text with one public rule, `<utterance>`. */
  jsgf: string;
  /** The same grammar as an expression over words, which the recognizer compiles to a minimal graph. */
  expr: GrammarExpr;
  /** The normalised phrases kept, slot references as `{name}`. */
  phrases: string[];
  /** What was left out, for the caller to show as a warning. */
  dropped: DroppedPhrase[];
  /** Every word the grammar can produce. */
  words: string[];
}

export interface BuildGrammarOptions {
  /** Whether the recognizer can pronounce a word; without it every word is taken as known. */
  isKnownWord?: (word: string) => boolean;
  /**
   * How a word sounds (e.g. all its pronunciations joined). With it, of phrases that sound the
   * same word for word ("do you ship to france", "do u ship to france") only the one in the more
   * common words is kept: the recognizer cannot tell them apart and would pick either.
   */
  soundsLike?: (word: string) => string;
  /** The language the phrases are in: how numbers are said. Default English. */
  language?: SpokenLanguage;
}

const MAX_NUMBER_VALUES = 2001;

/** Words for a whole number 0..999,999,999; a number outside that is an agent error. */
export function numberToWords(n: number, language: SpokenLanguage = ENGLISH): string {
  try {
    return language.numberToWords(n);
  } catch {
    throw new VisemoError(ErrorCode.AgentInvalid, `cannot say ${n} as words (0..999999999 only)`);
  }
}

/**
 * Lower-case words separated by single spaces: numerals become words, `&` and `%` are spelled out,
 * other punctuation goes (apostrophes inside words stay: "don't", "l'adresse"; hyphens split:
 * "livrez-vous"). `{slot}` references are kept.
 */
export function normalizePhrase(text: string, language: SpokenLanguage = ENGLISH): string {
  const symbols = language.symbolWords;
  return text
    .toLowerCase()
    .replace(/’/g, "'")
    .replace(/&/g, ` ${symbols.and} `)
    .replace(/%/g, ` ${symbols.percent} `)
    .replace(/\d+(?:,\d{3})*/g, (digits) => {
      const n = Number(digits.replace(/,/g, ''));
      return n <= 999_999_999
        ? ` ${numberToWords(n, language)} `
        : ` ${language.digitsToWords(digits.replace(/,/g, ''))} `;
    })
    .replace(/[^a-z0-9'{}_\s\u00c0-\u024f]/g, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
}

/**
 * The words a caller says for a written utterance: numbers of five or more digits (order and
 * phone numbers) read digit by digit, as agents ask for them; the rest as the grammar spells it.
 */
export function spokenForm(text: string, language: SpokenLanguage = ENGLISH): string {
  return normalizePhrase(
    text.replace(/\d{5,}/g, (digits) => ` ${language.digitsToWords(digits)} `),
    language,
  );
}

/** Every word said for a single digit when reading a code: "zero" … "nine" and "oh". */
export function spokenDigitWords(language: SpokenLanguage = ENGLISH): string[] {
  return [...new Set([...language.digitWords, ...Object.keys(language.digitAliases)])];
}

/**
 * The words of a phrase the recognizer can say: an elided word the dictionary lacks whole
 * ("j'habite") is said as its two parts ("j'" "habite") when it has both.
 */
function pronounceableWords(text: string, known: (word: string) => boolean): string {
  return text
    .split(' ')
    .map((w) => {
      const elision = /^([a-z]+')(.+)$/.exec(w);
      if (!elision || known(w)) return w;
      const [, head, rest] = elision as unknown as [string, string, string];
      return known(head) && known(rest) ? `${head} ${rest}` : w;
    })
    .join(' ');
}

/** `min` digits, then up to `max - min` more. */
function digitsExpr(digitWords: string[], min: number, max: number): GrammarExpr {
  const digit = alt(digitWords.map(word));
  let optional: GrammarExpr | undefined;
  for (let i = max - min; i > 0; i--) {
    optional = { kind: 'opt', item: optional ? seq([digit, optional]) : digit };
  }
  return seq([...Array.from({ length: min }, () => digit), ...(optional ? [optional] : [])]);
}

function ruleName(slot: string): string {
  return `slot_${slot.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function slotAlternatives(slot: GrammarSlot, language: SpokenLanguage): string[] | { rule: string } {
  switch (slot.kind) {
    case 'digits': {
      if (!Number.isInteger(slot.min) || !Number.isInteger(slot.max) || slot.min < 1 || slot.max < slot.min) {
        throw new VisemoError(ErrorCode.AgentInvalid, `slot ${slot.name}: digits need 1 <= min <= max`);
      }
      // Required digits, then nested optionals: "<d> <d> [<d> [<d>]]" keeps the FSG linear in max.
      const required = Array.from({ length: slot.min }, () => '<digit>').join(' ');
      let optional = '';
      for (let i = slot.max - slot.min; i > 0; i--) optional = ` [<digit>${optional}]`;
      return { rule: `${required}${optional}` };
    }
    case 'number': {
      if (!Number.isInteger(slot.min) || !Number.isInteger(slot.max) || slot.min < 0 || slot.max < slot.min) {
        throw new VisemoError(ErrorCode.AgentInvalid, `slot ${slot.name}: numbers need 0 <= min <= max`);
      }
      if (slot.max - slot.min + 1 > MAX_NUMBER_VALUES) {
        throw new VisemoError(
          ErrorCode.AgentInvalid,
          `slot ${slot.name}: at most ${MAX_NUMBER_VALUES} numbers (use kind 'digits' for long numbers)`,
        );
      }
      const values: string[] = [];
      for (let n = slot.min; n <= slot.max; n++) values.push(numberToWords(n, language));
      return values;
    }
    case 'values':
      return slot.values;
  }
}

/** Builds the JSGF grammar for a domain; see the module comment. */
export function buildGrammar(input: GrammarInput, options: BuildGrammarOptions = {}): BuiltGrammar {
  const known = options.isKnownWord ?? (() => true);
  const language = options.language ?? ENGLISH;
  const normalize = (text: string) => pronounceableWords(normalizePhrase(text, language), known);
  const dropped: DroppedPhrase[] = [];
  const words = new Set<string>();
  // A phrase that is only a slot ("{order_number}") has no plain words: '' must not count as one.
  const unknownIn = (text: string) => [...new Set(text.split(' ').filter((w) => w && !known(w)))];

  const rules: string[] = [];
  const slotRules = new Map<string, string>();
  const slotExprs = new Map<string, GrammarExpr>();
  let needsDigit = false;
  for (const slot of input.slots ?? []) {
    const body = slotAlternatives(slot, language);
    if ('rule' in body) {
      const { min, max } = slot as { min: number; max: number };
      needsDigit = true;
      slotRules.set(slot.name, ruleName(slot.name));
      slotExprs.set(slot.name, {
        kind: 'slot',
        name: slot.name,
        digits: { min, max },
        body: digitsExpr(spokenDigitWords(language), min, max),
      });
      rules.push(`<${ruleName(slot.name)}> = ${body.rule};`);
      continue;
    }
    const kept: string[] = [];
    for (const value of body) {
      const text = normalize(value).replace(/[{}]/g, ' ').trim().replace(/\s+/g, ' ');
      if (!text) {
        dropped.push({ phrase: value, slot: slot.name, reason: 'empty', unknownWords: [] });
        continue;
      }
      const unknown = unknownIn(text);
      if (unknown.length)
        dropped.push({ phrase: value, slot: slot.name, reason: 'unknown-words', unknownWords: unknown });
      else if (!kept.includes(text)) kept.push(text);
    }
    if (kept.length === 0) continue;
    for (const text of kept) for (const w of text.split(' ')) words.add(w);
    slotRules.set(slot.name, ruleName(slot.name));
    slotExprs.set(slot.name, {
      kind: 'slot',
      name: slot.name,
      body: alt(kept.map((k) => seq(k.split(' ').map(word)))),
    });
    rules.push(`<${ruleName(slot.name)}> = ${kept.map((k) => `(${k})`).join(' | ')};`);
  }
  if (needsDigit) {
    const digitWords = spokenDigitWords(language);
    const unknown = digitWords.filter((w) => !known(w));
    if (unknown.length) {
      throw new VisemoError(
        ErrorCode.AgentInvalid,
        `the dictionary lacks digit words: ${unknown.join(', ')}`,
      );
    }
    for (const w of digitWords) words.add(w);
    rules.push(`<digit> = ${digitWords.join(' | ')};`);
  }

  const isSlot = (t: string) => /^\{.*\}$/.test(t);
  const candidates: { text: string; tokens: string[]; plain: string[] }[] = [];
  const seen = new Set<string>();
  for (const phrase of input.phrases) {
    const text = normalize(phrase);
    if (!text) {
      dropped.push({ phrase, reason: 'empty', unknownWords: [] });
      continue;
    }
    const tokens = text.split(' ');
    const missingSlots = tokens.filter((t) => isSlot(t) && !slotRules.has(t.slice(1, -1)));
    if (missingSlots.length) {
      dropped.push({ phrase, reason: 'unknown-slot', unknownWords: missingSlots });
      continue;
    }
    const plain = tokens.filter((t) => !isSlot(t)).map((t) => t.replace(/[{}]/g, ''));
    const unknown = unknownIn(plain.filter(Boolean).join(' '));
    if (unknown.length) {
      dropped.push({ phrase, reason: 'unknown-words', unknownWords: unknown });
      continue;
    }
    if (seen.has(text)) continue;
    seen.add(text);
    candidates.push({ text, tokens, plain });
  }

  const kept = options.soundsLike ? withoutHomophones(candidates, options.soundsLike) : candidates;
  const phrases: string[] = [];
  const alternatives: string[] = [];
  const exprs: GrammarExpr[] = [];
  for (const { text, tokens, plain } of kept) {
    phrases.push(text);
    for (const w of plain) if (w) words.add(w);
    exprs.push(
      seq(
        tokens.flatMap((t) => {
          if (isSlot(t)) return [slotExprs.get(t.slice(1, -1)) as GrammarExpr];
          const w = t.replace(/[{}]/g, '');
          return w ? [word(w)] : [];
        }),
      ),
    );
    alternatives.push(
      `(${tokens.map((t) => (isSlot(t) ? `<${slotRules.get(t.slice(1, -1))}>` : t.replace(/[{}]/g, ''))).join(' ')})`,
    );
  }
  if (alternatives.length === 0) {
    throw new VisemoError(
      ErrorCode.AgentInvalid,
      `no phrase of the grammar can be recognized (${dropped.length} dropped: ${dropped
        .slice(0, 5)
        .map((d) => `"${d.phrase}" ${d.reason} ${d.unknownWords.join(' ')}`.trim())
        .join('; ')})`,
    );
  }
  const jsgf = [
    '#JSGF V1.0;',
    'grammar visemo;',
    `public <utterance> = ${alternatives.join(' | ')};`,
    ...rules,
    '',
  ].join('\n');
  return { jsgf, expr: alt(exprs), phrases, dropped, words: [...words].sort() };
}

/**
 * Of phrases that sound alike word for word, the one whose words are used most across all phrases
 * (the first on a tie); order otherwise kept.
 */
function withoutHomophones<T extends { tokens: string[]; plain: string[] }>(
  candidates: T[],
  soundsLike: (word: string) => string,
): T[] {
  const uses = new Map<string, number>();
  for (const c of candidates) for (const w of c.plain) uses.set(w, (uses.get(w) ?? 0) + 1);
  const weight = (c: T) => c.plain.reduce((sum, w) => sum + Math.log(uses.get(w) ?? 1), 0);
  const best = new Map<string, T>();
  for (const c of candidates) {
    const key = c.tokens.map((t) => (/^\{.*\}$/.test(t) ? t : soundsLike(t))).join(' ');
    const current = best.get(key);
    if (!current || weight(c) > weight(current)) best.set(key, c);
  }
  const keep = new Set(best.values());
  return candidates.filter((c) => keep.has(c));
}

/** The words a JSGF grammar text can produce (rule references, operators, weights and tags removed). */
export function jsgfWords(jsgf: string): string[] {
  const body = jsgf
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/^\s*(#JSGF|grammar|import)[^;]*;/gm, ' ')
    .replace(/(public\s+)?<[^>]+>\s*=/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\/[^/]*\//g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/[|()[\];*+=]/g, ' ');
  return [...new Set(body.split(/\s+/).filter(Boolean))].sort();
}
