import {
  type AgentSpec,
  ENGLISH,
  type EntityMatch,
  type EntitySpec,
  type SpokenLanguage,
  spokenLanguage,
} from '@visemo/core';
import { createEntityExtractor } from './entities.js';
import { tokenize } from './text.js';

export interface PhraseSlot {
  /** The entity name; phrases hold it as `{name}`. */
  name: string;
  kind: 'digits' | 'number';
  /** `digits`: the allowed count of digits; `number`: the range of values. */
  min: number;
  max: number;
}

/** Digit codes of an entity without `length`: 1 to 12 digits. */
export const DEFAULT_DIGITS = { min: 1, max: 12 };
/**
 * Numbers a grammar accepts for a `number` entity, which has no range in the agent schema:
 * 0–2000, the most a grammar's number slot holds (2,001 values) and enough for quantities,
 * years and prices.
 */
export const DEFAULT_NUMBER_RANGE = { min: 0, max: 2000 };

export interface DomainPhrases {
  /** Lower-case word sequences, each at most once; `{name}` stands for a slot. */
  phrases: string[];
  slots: PhraseSlot[];
}

/** What anyone may say to any agent, and how an answer to a slot question is put, per language. */
interface CommonPhrases {
  /** Answers to yes/no questions, greetings, thanks. */
  basics: readonly string[];
  /** Ways to give `answer` for a slot named `slotWords` ("order number"). */
  slotAnswers(answer: string, slotWords: string): string[];
}

const COMMON_PHRASES: Record<SpokenLanguage['code'], CommonPhrases> = {
  en: {
    basics: [
      'yes',
      'yeah',
      'yep',
      'yes please',
      "that's right",
      'correct',
      'no',
      'nope',
      'no thanks',
      'no thank you',
      'hello',
      'hi',
      'hey',
      'good morning',
      'good afternoon',
      'good evening',
      'goodbye',
      'bye',
      'thank you',
      'thanks',
      'okay',
      "that's all",
      "i don't know",
      'can you repeat that',
    ],
    slotAnswers: (a, slot) => [
      a,
      `it's ${a}`,
      `it is ${a}`,
      `${a} please`,
      `my ${slot} is ${a}`,
      `the ${slot} is ${a}`,
    ],
  },
  fr: {
    basics: [
      'oui',
      'oui merci',
      "oui s'il vous plaît",
      "c'est ça",
      "d'accord",
      'exactement',
      'non',
      'non merci',
      'bonjour',
      'bonsoir',
      'salut',
      'au revoir',
      'merci',
      'merci beaucoup',
      "c'est tout",
      'je ne sais pas',
      'pouvez-vous répéter',
    ],
    slotAnswers: (a, slot) => [
      a,
      `c'est ${a}`,
      `${a} s'il vous plaît`,
      `mon ${slot} est ${a}`,
      `le ${slot} est ${a}`,
    ],
  },
};

/**
 * The utterances a grammar speech recognizer should accept for this agent: its intent examples
 * and their variants with every entity value, answers to its flows' slot questions, and the basics.
 * Numerals are spelt as spoken words, or become `{entity}` where a digits/number entity covers them.
 */
export function domainPhrases(spec: AgentSpec): DomainPhrases {
  const language = spokenLanguage(spec.persona.language);
  const common = COMMON_PHRASES[language.code];
  const spoken = (text: string) => spokenIn(text, language);
  const render = (text: string, mentions: EntityMatch[], byName: Map<string, EntitySpec>) =>
    renderIn(text, mentions, byName, language);
  const extractor = createEntityExtractor(spec.entities, { knownWords: allWords(spec), language });
  const byName = new Map(spec.entities.map((e) => [e.name, e]));
  const phrases = new Set<string>();
  const add = (p: string) => {
    if (p) phrases.add(p);
  };

  for (const intent of spec.intents) {
    for (const example of intent.examples) {
      const mentions = pickMentions(extractor.extract(example), byName);
      add(render(example, mentions, byName));
      // Each closed-list mention in turn takes every other way of saying that entity.
      for (const m of mentions) {
        const entity = byName.get(m.entity);
        if (!entity?.values) continue;
        const others = mentions.filter((x) => x !== m);
        for (const form of entity.values.flatMap((v) => [v.value, ...v.synonyms])) {
          const text = example.slice(0, m.start) + form + example.slice(m.end);
          const shift = form.length - (m.end - m.start);
          const moved = others.map((x) =>
            x.start > m.start ? { ...x, start: x.start + shift, end: x.end + shift } : x,
          );
          add(render(text, moved, byName));
        }
      }
    }
  }

  for (const flow of spec.flows) {
    for (const slot of flow.slots) {
      const entity = byName.get(slot.entity);
      if (!entity) continue;
      const slotWords = slot.name.replace(/_/g, ' ');
      const answers = entity.values
        ? entity.values.flatMap((v) => [v.value, ...v.synonyms]).map((f) => spoken(f))
        : [`{${entity.name}}`];
      for (const a of answers) for (const p of common.slotAnswers(a, slotWords)) add(p);
    }
  }
  for (const b of common.basics) add(b);

  const slots: PhraseSlot[] = spec.entities
    .filter((e): e is EntitySpec & { kind: 'digits' | 'number' } => e.kind !== undefined)
    .map((e) => ({
      name: e.name,
      kind: e.kind,
      ...(e.kind === 'digits' ? (e.length ?? DEFAULT_DIGITS) : DEFAULT_NUMBER_RANGE),
    }));
  return { phrases: [...phrases], slots };
}

function allWords(spec: AgentSpec): string[] {
  return spec.intents.flatMap((i) => i.examples.flatMap((e) => tokenize(e).map((t) => t.norm)));
}

/**
 * Mentions that become placeholders (digits/number entities) or get swapped (closed lists), without
 * overlaps; a digits entity wins over a number entity on the same span.
 */
function pickMentions(matches: EntityMatch[], byName: Map<string, EntitySpec>): EntityMatch[] {
  const rank = (m: EntityMatch) => (byName.get(m.entity)?.kind === 'digits' ? 0 : 1);
  const sorted = [...matches].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || rank(a) - rank(b) || a.start - b.start,
  );
  const kept: EntityMatch[] = [];
  for (const m of sorted) if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  return kept.sort((a, b) => a.start - b.start);
}

/** Lower-case words of `text`, with built-in entity mentions as `{name}` and numerals spelt out. */
function renderIn(
  text: string,
  mentions: EntityMatch[],
  byName: Map<string, EntitySpec>,
  language: SpokenLanguage,
): string {
  const spoken = (part: string) => spokenIn(part, language);
  const parts: string[] = [];
  let at = 0;
  for (const m of mentions) {
    if (!byName.get(m.entity)?.kind) continue;
    parts.push(spoken(text.slice(at, m.start)), `{${m.entity}}`);
    at = m.end;
  }
  parts.push(spoken(text.slice(at)));
  return parts.filter((p) => p.length > 0).join(' ');
}

/**
 * Lower-case words as a recognizer's dictionary spells them; numerals become words. English words
 * lose their accents (the dictionary has "cafe"); French ones keep them ("numéro").
 */
export function spokenIn(text: string, language: SpokenLanguage = ENGLISH): string {
  const words: string[] = [];
  for (const t of tokenize(text)) {
    const w = language.code === 'en' ? t.norm : text.slice(t.start, t.end).toLowerCase().replace(/’/g, "'");
    if (!/\d/.test(w)) {
      words.push(w);
      continue;
    }
    for (const piece of w.match(/\d+(?:[.,]\d+)*|[^\d]+/g) ?? []) words.push(spellNumeral(piece, language));
  }
  return words.join(' ');
}

/** `spokenIn` for English. */
export function spoken(text: string): string {
  return spokenIn(text, ENGLISH);
}

function spellNumeral(piece: string, language: SpokenLanguage): string {
  if (!/^\d/.test(piece)) return piece;
  const [whole = '', fraction] = piece.replace(/,(?=\d{3}\b)/g, '').split('.');
  // Long numbers and ones with a leading zero are codes, read digit by digit.
  const wholeWords =
    whole.length <= 6 && !(whole.length > 1 && whole.startsWith('0'))
      ? language.numberToWords(Number(whole))
      : language.digitsToWords(whole);
  const point = language.symbolWords.decimalPoint;
  return fraction
    ? `${wholeWords} ${point} ${language.digitsToWords(fraction.replace(/\D/g, ''))}`
    : wholeWords;
}
