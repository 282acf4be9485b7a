/**
 * A pretrained model that turns sentences into dense vectors whose directions carry meaning:
 * paraphrases with no word in common land close together. Synchronous, like `classify`.
 */
export interface SentenceEncoder {
  /** Names the model, for logs and benchmarks. */
  readonly name: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per text, in the order given. */
  embed(texts: readonly string[]): Float32Array[];
}
