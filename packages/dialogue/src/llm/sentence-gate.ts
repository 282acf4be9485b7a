import { SentenceChunker, type SentenceChunkerOptions } from '../sentence-chunker.js';

/**
 * Keeps a model's unfinished words from being spoken when its stream breaks off. It cuts the
 * streamed text into sentences with the rules of the server's chunker (`chunkSentences`, same
 * options), so it knows at every delta which text the person will hear as whole sentences and which
 * is still a tail that only the end of the reply would complete.
 *
 * Nothing is given out until the first sentence is complete: a reply that breaks off before then
 * can still be replaced whole by the agent's own answer. The delta that completes the first
 * sentence releases everything held, delta by delta as it came, which is the moment the server's
 * chunker would have cut that sentence anyway: the first audio leaves no later than without the
 * gate. After that, deltas pass straight through.
 */
export class SentenceGate {
  private readonly chunker: SentenceChunker;
  private held: string[] = [];
  private released = false;
  private all = '';

  constructor(options?: SentenceChunkerOptions) {
    this.chunker = new SentenceChunker(options);
  }

  /** Whether text has been given out. */
  get open(): boolean {
    return this.released;
  }

  /** Everything pushed so far. */
  get text(): string {
    return this.all;
  }

  /**
   * How much of `text` makes whole sentences: what stands when the reply breaks off here. (It may
   * take in the whitespace after the last sentence.)
   */
  get completeLength(): number {
    return this.all.length - this.chunker.pending.length;
  }

  /** Takes a delta; returns the deltas to give out now, in order. */
  push(delta: string): string[] {
    this.all += delta;
    const completed = this.chunker.push(delta).length > 0;
    if (this.released) return [delta];
    this.held.push(delta);
    if (!completed) return [];
    this.released = true;
    return this.held.splice(0);
  }

  /** The reply ended as the model meant it to: whatever is held is whole, and goes out. */
  end(): string[] {
    this.released = this.released || this.held.length > 0;
    return this.held.splice(0);
  }
}
