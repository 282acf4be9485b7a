import type { Agent, IntentSpec, NluResult } from '@visemo/core';
import type { KnowledgeAnswer, KnowledgeIndex } from './knowledge-index.js';

/** Which answer path replies to an utterance. */
export type AnswerPath = 'intent' | 'knowledge' | 'fallback';

/**
 * Why the path was chosen:
 * - `intent`: a confident intent, and no passage covers the question clearly better;
 * - `knowledge-covers-more`: an intent was confident, but the best passage covers clearly more of
 *   the question than the intent's own words do;
 * - `unknown-words`: the intent was only fairly confident, and much of the question is in words the
 *   agent has nowhere (examples, replies, pages, entity values): the NLU guessed from the rest;
 * - `no-intent`: the NLU found no intent at or above `nlu.threshold`.
 */
export type AnswerReason = 'intent' | 'knowledge-covers-more' | 'unknown-words' | 'no-intent';

/** The numbers the choice was made from. */
export interface AnswerSignals {
  /** NLU confidence of the best intent. */
  confidence: number;
  /**
   * How much of the question the best intent covers, 0..1: the IDF-weighted share of the
   * question's content words that its examples or replies (flow prompts included) use, or that
   * are a recognised entity value. 0 without a confident intent.
   */
  intentCoverage: number;
  /** The best passage's normalised score (decision 0041) if it reaches `knowledge.minScore`, else 0. */
  knowledgeScore: number;
  /** IDF-weighted share of the question's content words that the agent knows nowhere. */
  unknownShare: number;
  /**
   * The page's lead over the intent: (knowledgeScore − intentCoverage) / (1 − unknownShare), the
   * difference of the two coverages counted over the words the agent knows.
   */
  lead: number;
}

export interface AnswerRoute {
  path: AnswerPath;
  reason: AnswerReason;
  /** The intent to act on: set on path `intent` only. */
  intent: IntentSpec | null;
  /** The knowledge answer: set on path `knowledge` only. */
  answer: KnowledgeAnswer | null;
  signals: AnswerSignals;
}

/**
 * Thresholds of the routing rule. The defaults are the middles of the ranges that routed every
 * routable held-out utterance of the support agent right; the clinic agent checked them
 * (docs/decisions/0044-answer-routing.md).
 */
export interface AnswerRouterSettings {
  /** NLU confidence from which an intent counts as very confident. Default 0.92. */
  veryConfident: number;
  /** Lead a passage needs over an intent that is confident but not very. Default 0.18. */
  lead: number;
  /** Lead a passage needs over a very confident intent. Default 0.52. */
  leadOverVeryConfident: number;
  /** NLU confidence below which an intent is not trusted for a question of many unknown words. Default 0.75. */
  guessBelow: number;
  /** Unknown share from which a question counts as one of many unknown words. Default 0.25. */
  maxUnknownShare: number;
}

export const DEFAULT_ROUTER_SETTINGS: Readonly<AnswerRouterSettings> = {
  veryConfident: 0.92,
  lead: 0.18,
  leadOverVeryConfident: 0.52,
  guessBelow: 0.75,
  maxUnknownShare: 0.25,
};

/**
 * Chooses between an agent's answer paths for one utterance: the intent the NLU is confident
 * about, the best knowledge passage, or the persona's fallback.
 *
 * The NLU alone sends knowledge questions to a lookalike intent ("how long is the warranty" →
 * delivery_time at 0.87: "how long" is all it knows of the question), and its confidence is close
 * to 1 for most of them. So both paths are scored on one scale, the weighted share of the
 * question's words each covers: the passage answers when it covers clearly more of the question
 * than the intent's examples and replies do — by `lead`, or by `leadOverVeryConfident` against a
 * very confident intent. An intent that is only fairly confident is not trusted either when a
 * large share of the question is in words the agent does not know at all ("how much is a train
 * ticket to London" → location at 0.64).
 *
 * One router serves all conversations with an agent: it holds word statistics, no state.
 */
export class AnswerRouter {
  private readonly settings: AnswerRouterSettings;
  private readonly intents: Map<string, IntentSpec>;
  /** Each intent's words: its examples, its replies and, for a flow, the flow's prompts. */
  private readonly vocabulary = new Map<string, Set<string>>();
  /** In how many documents (passages and intents) each word occurs. */
  private readonly df = new Map<string, number>();
  private readonly documents: number;
  private readonly entityWords = new Set<string>();

  constructor(
    readonly agent: Agent,
    private readonly knowledge: KnowledgeIndex,
    settings: Partial<AnswerRouterSettings> = {},
  ) {
    this.settings = { ...DEFAULT_ROUTER_SETTINGS, ...settings };
    const terms = knowledge.terms;
    this.intents = new Map(agent.spec.intents.map((i) => [i.name, i]));
    const flows = new Map(agent.spec.flows.map((f) => [f.name, f]));
    // Words are weighted by rarity across the passages and the intents together: a word that many
    // of them use ("order" in a shop) says little about which one is meant.
    const documents = knowledge.passages.map((p) => new Set(terms([...p.headings, p.text].join(' '))));
    for (const intent of agent.spec.intents) {
      const texts = [...intent.examples, ...intent.responses];
      const flow = intent.flow ? flows.get(intent.flow) : undefined;
      if (flow) texts.push(...flow.slots.map((s) => s.prompt), flow.response);
      const words = new Set(terms(texts.map(withoutPlaceholders).join(' ')));
      this.vocabulary.set(intent.name, words);
      documents.push(words);
    }
    for (const doc of documents) for (const term of doc) this.df.set(term, (this.df.get(term) ?? 0) + 1);
    this.documents = documents.length;
    for (const entity of agent.spec.entities)
      for (const value of entity.values ?? [])
        for (const term of terms([value.value, ...value.synonyms].join(' '))) this.entityWords.add(term);
  }

  /** The path for an utterance, with the signals that chose it. */
  route(nlu: NluResult): AnswerRoute {
    const intent = this.confidentIntent(nlu);
    const answer = nlu.text.trim() ? this.knowledge.answer(nlu.text) : null;
    const signals = this.signals(nlu, intent, answer?.score ?? 0);
    const to = (path: AnswerPath, reason: AnswerReason): AnswerRoute => ({
      path,
      reason,
      intent: path === 'intent' ? (intent ?? null) : null,
      answer: path === 'knowledge' ? answer : null,
      signals,
    });
    const pageOrFallback = (reason: AnswerReason) => to(answer ? 'knowledge' : 'fallback', reason);
    if (!intent) return pageOrFallback('no-intent');
    const { veryConfident, lead, leadOverVeryConfident, guessBelow, maxUnknownShare } = this.settings;
    const needed = signals.confidence >= veryConfident ? leadOverVeryConfident : lead;
    if (answer && signals.lead >= needed) return to('knowledge', 'knowledge-covers-more');
    if (signals.confidence < guessBelow && signals.unknownShare >= maxUnknownShare)
      return pageOrFallback('unknown-words');
    return to('intent', 'intent');
  }

  private confidentIntent(nlu: NluResult): IntentSpec | undefined {
    if (!nlu.intent || nlu.confidence < this.agent.spec.nlu.threshold) return undefined;
    return this.intents.get(nlu.intent);
  }

  private signals(nlu: NluResult, intent: IntentSpec | undefined, knowledgeScore: number): AnswerSignals {
    // Words of a recognised entity value ("Austria", an order number) are the intent's to take.
    const terms = this.knowledge.terms;
    const entityTerms = new Set(nlu.entities.flatMap((e) => terms(`${e.text} ${e.value}`)));
    const vocabulary = intent ? this.vocabulary.get(intent.name) : undefined;
    let total = 0;
    let covered = 0;
    let unknown = 0;
    for (const term of new Set(terms(nlu.text))) {
      const weight = this.idf(term);
      total += weight;
      const entity = entityTerms.has(term);
      if (vocabulary && (entity || vocabulary.has(term))) covered += weight;
      if (!entity && !this.df.has(term) && !this.entityWords.has(term)) unknown += weight;
    }
    const intentCoverage = total > 0 ? covered / total : 0;
    const unknownShare = total > 0 ? unknown / total : 0;
    const known = 1 - unknownShare;
    return {
      confidence: nlu.confidence,
      intentCoverage,
      knowledgeScore,
      unknownShare,
      lead: known > 0 ? (knowledgeScore - intentCoverage) / known : 0,
    };
  }

  /** The knowledge index's IDF formula; a word no document has gets the highest weight. */
  private idf(term: string): number {
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (this.documents - df + 0.5) / (df + 0.5));
  }
}

/** Without `{slot}` placeholders and `[expression]` tags: neither is a word the agent says. */
function withoutPlaceholders(text: string): string {
  return text.replace(/\{[^}]*\}/g, ' ').replace(/\[\s*[a-z]+\s*\]/gi, ' ');
}
