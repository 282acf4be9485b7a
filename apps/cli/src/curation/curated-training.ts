import { type IntentClassifier, seededRandom } from '@visemo/core';
import type { NluTraining } from '@visemo/server';
import { type LabelledItem, OUT_OF_SCOPE, sameText } from './review-file.js';

export interface HeldOutSplit {
  train: LabelledItem[];
  heldOut: LabelledItem[];
}

/**
 * Splits the labelled items into training and held-out ones, per label (so every label with two
 * items or more is in both), in an order drawn from `seed`. Items of the same text count once:
 * a copy in each part would be tested on what was trained.
 */
export function splitHeldOut(items: readonly LabelledItem[], fraction: number, seed: number): HeldOutSplit {
  const byLabel = new Map<string, LabelledItem[]>();
  const seen = new Set<string>();
  for (const item of items) {
    const key = sameText(item.text);
    if (seen.has(key)) continue;
    seen.add(key);
    byLabel.set(item.label, [...(byLabel.get(item.label) ?? []), item]);
  }
  const random = seededRandom(seed);
  const split: HeldOutSplit = { train: [], heldOut: [] };
  for (const label of [...byLabel.keys()].sort()) {
    const group = [...(byLabel.get(label) as LabelledItem[])];
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j] as LabelledItem, group[i] as LabelledItem];
    }
    const held =
      group.length < 2 ? 0 : Math.min(group.length - 1, Math.max(1, Math.round(group.length * fraction)));
    split.heldOut.push(...group.slice(0, held));
    split.train.push(...group.slice(held));
  }
  return split;
}

/**
 * The agent's training data with the labelled items added: each as an example of its intent
 * (unless the intent has it already), `out_of_scope` ones to `nlu.outOfScope`.
 */
export function curatedTraining(
  base: NluTraining,
  items: readonly LabelledItem[],
): { training: NluTraining; added: number } {
  const intents = base.intents.map((intent) => ({ name: intent.name, examples: [...intent.examples] }));
  const outOfScope = [...(base.nlu.outOfScope ?? [])];
  const known = new Map(intents.map((intent) => [intent.name, new Set(intent.examples.map(sameText))]));
  const knownOutOfScope = new Set(outOfScope.map(sameText));
  let added = 0;
  for (const item of items) {
    const key = sameText(item.text);
    if (item.label === OUT_OF_SCOPE) {
      if (knownOutOfScope.has(key)) continue;
      knownOutOfScope.add(key);
      outOfScope.push(item.text);
    } else {
      const examples = known.get(item.label);
      const intent = intents.find((i) => i.name === item.label);
      if (!examples || !intent || examples.has(key)) continue;
      examples.add(key);
      intent.examples.push(item.text);
    }
    added++;
  }
  const nlu = outOfScope.length > 0 ? { ...base.nlu, outOfScope } : base.nlu;
  return { training: { intents, entities: base.entities, nlu }, added };
}

/** How a model does on held-out items. */
export interface HeldOutScores {
  /** Of the in-scope items, the share given their intent; null when there are none. */
  accuracy: number | null;
  /** Of the `out_of_scope` items, the share the model rejected; null when there are none. */
  oosRecall: number | null;
  inScope: number;
  outOfScope: number;
}

export function scoreHeldOut(model: IntentClassifier, heldOut: readonly LabelledItem[]): HeldOutScores {
  let inScope = 0;
  let correct = 0;
  let outOfScope = 0;
  let rejected = 0;
  for (const item of heldOut) {
    const { intent } = model.classify(item.text);
    if (item.label === OUT_OF_SCOPE) {
      outOfScope++;
      if (intent === null) rejected++;
    } else {
      inScope++;
      if (intent === item.label) correct++;
    }
  }
  return {
    accuracy: inScope > 0 ? correct / inScope : null,
    oosRecall: outOfScope > 0 ? rejected / outOfScope : null,
    inScope,
    outOfScope,
  };
}
