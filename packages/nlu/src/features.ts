import { normalizeWords } from './text.js';

/** A sparse row: feature indexes (ascending) with their weights. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

export interface FeatureOptions {
  /** Word n-grams from 1 up to this length. */
  wordNgrams: number;
  /** Character n-grams inside each word (padded with a space each side), lengths min..max. */
  charMin: number;
  charMax: number;
  /** Scale of the character block against the word block (each block has unit length). */
  charWeight: number;
  /**
   * Scale of a block of the first word and first two words ("did i ..." asks, "add ..." orders);
   * 0 leaves it out.
   */
  openingWeight: number;
  /** Scale of a block of word pairs with one or two words between them; 0 leaves it out. */
  skipWeight: number;
}

export const DEFAULT_FEATURES: FeatureOptions = {
  wordNgrams: 2,
  charMin: 2,
  charMax: 5,
  charWeight: 1,
  openingWeight: 0.5,
  skipWeight: 0.5,
};

/** The n-grams of one utterance with counts, one map per block. */
type Grams = Map<string, number>[];
const BLOCKS = 4;

function addGram(map: Map<string, number>, gram: string): void {
  map.set(gram, (map.get(gram) ?? 0) + 1);
}

function grams(words: readonly string[], o: FeatureOptions): Grams {
  const w = new Map<string, number>();
  const c = new Map<string, number>();
  for (let n = 1; n <= o.wordNgrams; n++) {
    for (let i = 0; i + n <= words.length; i++) addGram(w, words.slice(i, i + n).join(' '));
  }
  for (const word of words) {
    const padded = ` ${word} `;
    for (let n = o.charMin; n <= o.charMax; n++) {
      if (n > padded.length) break;
      for (let i = 0; i + n <= padded.length; i++) addGram(c, padded.slice(i, i + n));
    }
  }
  const opening = new Map<string, number>();
  const skips = new Map<string, number>();
  if (o.openingWeight > 0 && words.length > 0) {
    addGram(opening, words[0] as string);
    if (words.length > 1) addGram(opening, `${words[0]} ${words[1]}`);
  }
  if (o.skipWeight > 0) {
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 2; j < Math.min(words.length, i + 4); j++) addGram(skips, `${words[i]} _ ${words[j]}`);
    }
  }
  return [w, c, opening, skips];
}

/**
 * A TF-IDF vocabulary learnt from the training utterances: sub-linear term frequency
 * (1 + ln tf), smoothed idf, each block scaled to unit length.
 */
export class FeatureSpace {
  readonly options: FeatureOptions;
  private readonly index: Map<string, number>[] = Array.from({ length: BLOCKS }, () => new Map());
  private idf: Float32Array = new Float32Array(0);

  private constructor(options: FeatureOptions) {
    this.options = options;
  }

  get size(): number {
    return this.idf.length;
  }

  /** Learns the vocabulary and idf from `texts` and returns their vectors. */
  static fit(
    texts: readonly string[],
    options: FeatureOptions = DEFAULT_FEATURES,
  ): { space: FeatureSpace; rows: SparseVector[] } {
    const space = new FeatureSpace(options);
    const all = texts.map((t) => grams(normalizeWords(t), options));
    const df: number[] = [];
    for (let block = 0; block < BLOCKS; block++) {
      const index = space.index[block] as Map<string, number>;
      for (const g of all) {
        for (const gram of (g[block] as Map<string, number>).keys()) {
          let i = index.get(gram);
          if (i === undefined) {
            i = df.length;
            index.set(gram, i);
            df.push(0);
          }
          df[i] = (df[i] as number) + 1;
        }
      }
    }
    const n = texts.length;
    space.idf = Float32Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
    return { space, rows: all.map((g) => space.vectorOf(g)) };
  }

  vectorize(text: string): SparseVector {
    return this.vectorOf(grams(normalizeWords(text), this.options));
  }

  private vectorOf(g: Grams): SparseVector {
    const entries: [number, number][] = [];
    const o = this.options;
    const weights = [1, o.charWeight, o.openingWeight, o.skipWeight];
    for (let block = 0; block < BLOCKS; block++) {
      const w = weights[block] as number;
      if (w > 0)
        this.block(g[block] as Map<string, number>, this.index[block] as Map<string, number>, w, entries);
    }
    entries.sort((a, b) => a[0] - b[0]);
    return { idx: Int32Array.from(entries, (e) => e[0]), val: Float32Array.from(entries, (e) => e[1]) };
  }

  private block(
    counts: Map<string, number>,
    index: Map<string, number>,
    weight: number,
    out: [number, number][],
  ): void {
    const start = out.length;
    let norm = 0;
    for (const [gram, tf] of counts) {
      const i = index.get(gram);
      if (i === undefined) continue;
      const v = (1 + Math.log(tf)) * (this.idf[i] as number);
      out.push([i, v]);
      norm += v * v;
    }
    if (norm === 0) return;
    const scale = weight / Math.sqrt(norm);
    for (let k = start; k < out.length; k++) (out[k] as [number, number])[1] *= scale;
  }
}

/**
 * `row` with a dense block appended at feature indexes `offset ...`: `vector` scaled to length
 * `weight`, as each sparse block is scaled to its own weight.
 */
export function withDenseBlock(
  row: SparseVector,
  vector: Float32Array,
  offset: number,
  weight: number,
): SparseVector {
  const n = row.idx.length;
  const idx = new Int32Array(n + vector.length);
  const val = new Float32Array(n + vector.length);
  idx.set(row.idx);
  val.set(row.val);
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += (vector[d] as number) ** 2;
  const scale = norm > 0 ? weight / Math.sqrt(norm) : 0;
  for (let d = 0; d < vector.length; d++) {
    idx[n + d] = offset + d;
    val[n + d] = (vector[d] as number) * scale;
  }
  return { idx, val };
}
