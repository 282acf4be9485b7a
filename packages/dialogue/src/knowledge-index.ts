import { type Agent, ENGLISH, type KnowledgePage, type SpokenLanguage, spokenLanguage } from '@visemo/core';
import { type Passage, pagePassages } from './markdown-passages.js';
import { splitSentences } from './sentence-chunker.js';
import { isNumberTerm, termsFor } from './text-terms.js';

export interface KnowledgeHit {
  passage: Passage;
  /** `knowledge/returns.md#Refunds`: the page and the heading the passage sits under. */
  source: string;
  /**
   * Normalised BM25, 0..1: the passage's BM25 score divided by the sum of the query terms' IDF.
   * 1 ≈ every content word of the query found once in a passage of average length; a query word
   * that no page contains counts with the highest IDF, so it pulls the score down.
   */
  score: number;
}

export interface KnowledgeAnswer {
  /** One to three sentences of the best passage, ready to be spoken. */
  text: string;
  /** `knowledge/returns.md#Refunds`. */
  source: string;
  score: number;
}

export interface KnowledgeIndexOptions {
  /** Hits below this normalised score are not answers. Default 0.35 (the agent schema's default). */
  minScore?: number;
  /** A spoken answer stops growing past this many words (about 15 s of speech). Default 40. */
  maxAnswerWords?: number;
  /** The language of the pages and the questions: how words are stemmed and which are left out. Default English. */
  language?: SpokenLanguage;
}

interface IndexedPassage {
  passage: Passage;
  tf: Map<string, number>;
  length: number;
}

// Okapi BM25 constants, the usual values.
const K1 = 1.2;
const B = 0.75;

/** BM25 retrieval over an agent's Markdown pages, split into passages with their headings as context. */
export class KnowledgeIndex {
  readonly passages: readonly Passage[];
  private readonly docs: IndexedPassage[];
  private readonly df = new Map<string, number>();
  private readonly averageLength: number;
  private readonly minScore: number;
  private readonly maxAnswerWords: number;
  /** The terms a text is indexed and searched by, in the pages' language. */
  readonly terms: (text: string) => string[];

  constructor(pages: readonly KnowledgePage[], options: KnowledgeIndexOptions = {}) {
    const terms = termsFor(options.language ?? ENGLISH);
    this.terms = terms;
    this.minScore = options.minScore ?? 0.35;
    this.maxAnswerWords = options.maxAnswerWords ?? 40;
    this.passages = pages.flatMap(pagePassages);
    this.docs = this.passages.map((passage) => {
      // The headings are part of what a passage is about: "Refunds" under a "Returns" page.
      const all = terms([...passage.headings, passage.text].join(' '));
      const tf = new Map<string, number>();
      for (const term of all) tf.set(term, (tf.get(term) ?? 0) + 1);
      for (const term of tf.keys()) this.df.set(term, (this.df.get(term) ?? 0) + 1);
      return { passage, tf, length: all.length };
    });
    this.averageLength = this.docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, this.docs.length);
  }

  static fromAgent(agent: Agent): KnowledgeIndex {
    return new KnowledgeIndex(agent.knowledge, {
      minScore: agent.spec.knowledge.minScore,
      language: spokenLanguage(agent.spec.persona.language),
    });
  }

  /**
   * The `k` best passages for a query, best first, with normalised scores. Numbers rank passages
   * that match the query's words but are no evidence on their own: an order number "19" is not a
   * question about the 19 percent VAT. So the score counts words only, and a passage that shares
   * no word with the query is left out.
   */
  search(query: string, k = 5): KnowledgeHit[] {
    const queryTerms = [...new Set(this.terms(query))];
    const isWord = queryTerms.map((t) => !isNumberTerm(t));
    if (!isWord.includes(true) || this.docs.length === 0) return [];
    const weights = queryTerms.map((t) => this.idf(t));
    const norm = weights.reduce((sum, w, i) => (isWord[i] ? sum + w : sum), 0);
    const ranked: { passage: Passage; bm25: number; covered: number }[] = [];
    for (const doc of this.docs) {
      let bm25 = 0;
      let covered = 0;
      queryTerms.forEach((term, i) => {
        const tf = doc.tf.get(term);
        if (!tf) return;
        const saturation = (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / this.averageLength));
        bm25 += (weights[i] ?? 0) * saturation;
        if (isWord[i]) covered += (weights[i] ?? 0) * Math.min(1, saturation);
      });
      if (covered > 0) ranked.push({ passage: doc.passage, bm25, covered });
    }
    // Ranked by BM25; the reported score is how much of the query the passage covers.
    ranked.sort((a, b) => b.bm25 - a.bm25);
    const hits = ranked.map((r) => ({
      passage: r.passage,
      source: r.passage.source,
      score: r.covered / norm,
    }));
    return hits.slice(0, k);
  }

  /** The best passage as a short spoken answer, or null when nothing reaches `minScore`. */
  answer(query: string): KnowledgeAnswer | null {
    const best = this.search(query, 1)[0];
    if (!best || best.score < this.minScore) return null;
    return { text: this.speakable(best.passage, query), source: best.passage.source, score: best.score };
  }

  /**
   * Trims a passage to at most three sentences and about `maxAnswerWords` words. It starts at the
   * passage's beginning unless the sentence that best matches the query lies beyond that window.
   */
  private speakable(passage: Passage, query: string): string {
    const sentences = splitSentences(passage.text);
    const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;
    const queryTerms = new Set(this.terms(query));
    let bestIndex = 0;
    let bestScore = -1;
    sentences.forEach((sentence, i) => {
      const score = [...new Set(this.terms(sentence))]
        .filter((t) => queryTerms.has(t))
        .reduce((sum, t) => sum + this.idf(t), 0);
      if (score > bestScore) {
        bestScore = score;
        bestIndex = i;
      }
    });
    let start = 0;
    let words = 0;
    for (let i = 0; i <= bestIndex; i++) words += wordCount(sentences[i] ?? '');
    if (bestIndex >= 3 || words > this.maxAnswerWords) start = bestIndex;
    const chosen: string[] = [];
    words = 0;
    for (let i = start; i < sentences.length && chosen.length < 3; i++) {
      const sentence = sentences[i] as string;
      const count = wordCount(sentence);
      if (chosen.length > 0 && words + count > this.maxAnswerWords) break;
      chosen.push(sentence);
      words += count;
    }
    return chosen.join(' ');
  }

  private idf(term: string): number {
    const n = this.docs.length;
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }
}
