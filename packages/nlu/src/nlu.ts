import {
  type AgentSpec,
  type EntityMatch,
  type EntitySpec,
  type IntentClassifier,
  type NluResult,
  type SpokenLanguage,
  spokenLanguage,
} from '@visemo/core';
import { FRENCH_BACKGROUND_UTTERANCES } from './background-fr.js';
import { createEntityExtractor } from './entities.js';
import {
  type IntentClassifierOptions,
  type IntentExample,
  trainIntentClassifier,
} from './intent-classifier.js';
import { DEFAULT_VECTOR_CACHE } from './sentence-vector-cache.js';
import { tokenize } from './text.js';
import { sharedUniversalSentenceEncoder } from './universal-sentence-encoder.js';

/** The agent's NLU as `createNlu` trains it. */
export interface NluModel extends IntentClassifier {
  /**
   * The trained model as bytes (the intents in order, then every weight, little-endian float32):
   * the same for the same training data, options and code, so its hash names the model.
   */
  modelBytes(): Uint8Array;
}

export interface NluOptions extends Omit<IntentClassifierOptions, 'threshold'> {
  /** Extra training utterances made per example by swapping in other entity values. Default 4. */
  variantsPerExample?: number;
}

/**
 * The agent's NLU, trained from its domain at start-up: intents from the examples (plus variants
 * with other entity values, and with numerals spelt as a speech recognizer writes them), entities
 * from the entity lists, out of scope below `spec.nlu.threshold`; with the sentence encoder named
 * by `spec.nlu.encoder` (its training vectors cached in `DEFAULT_VECTOR_CACHE`) unless
 * `options.encoder` gives one.
 */
export function createNlu(spec: AgentSpec, options: NluOptions = {}): NluModel {
  const knownWords = new Set<string>();
  for (const intent of spec.intents)
    for (const ex of intent.examples) for (const t of tokenize(ex)) knownWords.add(t.norm);
  // Every word of an example is known, so mentions found in the examples are exact ones.
  const language = spokenLanguage(spec.persona.language);
  const extractor = createEntityExtractor(spec.entities, { knownWords, language });
  const examples = trainingExamples(spec, extractor.extract, options.variantsPerExample ?? 4);
  const named = spec.nlu.encoder !== undefined && options.encoder === undefined;
  const classifier = trainIntentClassifier(examples, {
    ...(language.code === 'fr' ? { background: FRENCH_BACKGROUND_UTTERANCES } : {}),
    ...options,
    encoder: named ? sharedUniversalSentenceEncoder() : options.encoder,
    encoderCache: options.encoderCache ?? (named ? DEFAULT_VECTOR_CACHE : undefined),
    threshold: spec.nlu.threshold,
    ...(spec.nlu.outOfScope ? { outOfScope: spec.nlu.outOfScope } : {}),
  });
  return {
    classify(text: string): NluResult {
      return { ...classifier.classify(text), entities: extractor.extract(text) };
    },
    modelBytes(): Uint8Array {
      const names = new TextEncoder().encode(`${classifier.intents.join('\n')}\n`);
      const size = classifier.weights.reduce((sum, w) => sum + w.byteLength, names.byteLength);
      const bytes = new Uint8Array(size);
      bytes.set(names, 0);
      let at = names.byteLength;
      for (const w of classifier.weights) {
        // The hosts Node runs on are little-endian: the view's bytes are the wire order.
        bytes.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), at);
        at += w.byteLength;
      }
      return bytes;
    },
  };
}

/** The examples, and variants of those that mention an entity. */
export function trainingExamples(
  spec: AgentSpec,
  extract: (text: string) => EntityMatch[],
  variantsPerExample: number,
): IntentExample[] {
  const language = spokenLanguage(spec.persona.language);
  const byName = new Map<string, EntitySpec>(spec.entities.map((e) => [e.name, e]));
  const out: IntentExample[] = [];
  const seen = new Set<string>();
  const add = (text: string, intent: string) => {
    const key = `${intent}\u0000${text.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ text, intent });
  };
  for (const intent of spec.intents) {
    for (const example of intent.examples) {
      add(example, intent.name);
      const mentions = nonOverlapping(extract(example));
      let made = 0;
      for (const m of mentions) {
        const entity = byName.get(m.entity);
        if (!entity) continue;
        for (const replacement of replacements(entity, m, variantsPerExample, language)) {
          if (made >= variantsPerExample) break;
          add(example.slice(0, m.start) + replacement + example.slice(m.end), intent.name);
          made++;
        }
      }
    }
  }
  return out;
}

function nonOverlapping(matches: EntityMatch[]): EntityMatch[] {
  const kept: EntityMatch[] = [];
  for (const m of matches) if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  return kept;
}

/** Other ways to say an entity mention: other values and synonyms, or numerals spelt out. */
function replacements(
  entity: EntitySpec,
  mention: EntityMatch,
  limit: number,
  language: SpokenLanguage,
): string[] {
  if (entity.values) {
    const forms = entity.values.flatMap((v) => [v.value, ...v.synonyms]);
    const others = forms.filter((f) => f.toLowerCase() !== mention.text.toLowerCase());
    // An even spread over the list, so the variants do not all come from its start.
    const step = Math.max(1, Math.floor(others.length / Math.max(1, limit)));
    const picked: string[] = [];
    for (let i = 0; i < others.length && picked.length < limit; i += step) picked.push(others[i] as string);
    return picked;
  }
  if (!/\d/.test(mention.text)) return [];
  if (entity.kind === 'digits') return [language.digitsToWords(mention.value)];
  const n = Number(mention.value);
  return Number.isInteger(n) && n >= 0 && n < 1_000_000 ? [language.numberToWords(n)] : [];
}
