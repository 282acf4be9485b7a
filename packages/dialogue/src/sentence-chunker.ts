export interface SentenceChunkerOptions {
  /**
   * While nothing has been emitted yet, a sentence longer than this many characters is cut after a
   * clause (comma, semicolon, colon, dash), so speech synthesis can start before the sentence ends.
   * 0 turns the early cut off. Default 80.
   */
  firstChunkMaxChars?: number;
  /** An early or forced cut keeps at least this many characters in the chunk. Default 20. */
  minChunkChars?: number;
  /** Any chunk longer than this is cut at its last clause, or else its last space. Default 300. */
  maxChunkChars?: number;
}

const TERMINATORS = '.!?…';
const CLOSERS = '"\'”’)]»';

/** Words that end in a period without ending a sentence. Lowercase, without the final period. */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'vs',
  'cf',
  'approx',
  'dept',
  'incl',
  'excl',
  'esp',
  'fig',
]);

/** Abbreviations that only shorten a word when a number follows ("No. 5", "Jan. 3", "p. 12"). */
const NUMBER_ABBREVIATIONS = new Set([
  'no',
  'nr',
  'nos',
  'vol',
  'p',
  'pp',
  'art',
  'tel',
  'ch',
  'sec',
  'ca',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

/**
 * Cuts streamed text into sentences as soon as each is complete. A sentence end is only certain
 * once the next non-space character is seen ("Dr. Smith", "4.99", "e.g. this"), so a sentence is
 * emitted when the following one begins, or at `flush()`.
 */
export class SentenceChunker {
  private buffer = '';
  /** Index in `buffer` from which no boundary has been ruled out yet. */
  private scanFrom = 0;
  private emitted = 0;
  private readonly firstChunkMaxChars: number;
  private readonly minChunkChars: number;
  private readonly maxChunkChars: number;

  constructor(options: SentenceChunkerOptions = {}) {
    this.firstChunkMaxChars = options.firstChunkMaxChars ?? 80;
    this.minChunkChars = options.minChunkChars ?? 20;
    this.maxChunkChars = options.maxChunkChars ?? 300;
  }

  /**
   * The text after the last sentence given out: what `flush()` would give, or what is dropped when
   * the text breaks off instead of ending.
   */
  get pending(): string {
    return this.buffer;
  }

  /** Adds a text delta; returns the sentences it completed, in order. */
  push(delta: string): string[] {
    this.buffer += delta;
    return this.drain(false);
  }

  /** Ends the text: returns whatever is left, as sentences. */
  flush(): string[] {
    const out = this.drain(true);
    const rest = this.buffer.trim();
    if (rest) out.push(...this.emit(rest));
    this.buffer = '';
    this.scanFrom = 0;
    return out;
  }

  private drain(final: boolean): string[] {
    const out: string[] = [];
    for (;;) {
      const cut = this.nextBoundary(final);
      if (cut) {
        out.push(...this.emit(this.buffer.slice(0, cut.end).trim()));
        this.buffer = this.buffer.slice(cut.next);
        this.scanFrom = 0;
        continue;
      }
      const early = this.lengthCut();
      if (early === null) return out;
      out.push(...this.emit(this.buffer.slice(0, early).trim()));
      this.buffer = this.buffer.slice(early).replace(/^\s+/, '');
      this.scanFrom = 0;
    }
  }

  private emit(text: string): string[] {
    if (!text) return [];
    this.emitted++;
    return [text];
  }

  /** The first certain sentence end in the buffer: `end` closes the sentence, `next` starts the rest. */
  private nextBoundary(final: boolean): { end: number; next: number } | null {
    const text = this.buffer;
    let i = this.scanFrom;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '\n') {
        let m = i + 1;
        while (m < text.length && (text[m] === ' ' || text[m] === '\t')) m++;
        if (m >= text.length && !final) return this.wait(i);
        const next = text[m];
        // A blank line or a list item on the next line ends the sentence even without punctuation.
        if (next === undefined || next === '\n' || /^([-*•]|\d+[.)])\s/.test(text.slice(m, m + 4))) {
          if (text.slice(0, i).trim()) return { end: i, next: m };
        }
        i++;
        continue;
      }
      if (!TERMINATORS.includes(c)) {
        i++;
        continue;
      }
      let j = i;
      while (j < text.length && TERMINATORS.includes(text[j] as string)) j++;
      let k = j;
      while (k < text.length && CLOSERS.includes(text[k] as string)) k++;
      if (k >= text.length) {
        if (final) return { end: k, next: k };
        return this.wait(i);
      }
      if (!/\s/.test(text[k] as string)) {
        i = j; // "4.99", "shop.example", "?!x": not an end
        continue;
      }
      let m = k;
      while (m < text.length && /\s/.test(text[m] as string)) m++;
      if (m >= text.length) {
        if (final) return { end: k, next: m };
        return this.wait(i);
      }
      if (endsSentence(text, i, j, text[m] as string)) return { end: k, next: m };
      i = j;
    }
    this.scanFrom = i;
    return null;
  }

  private wait(at: number): null {
    this.scanFrom = at;
    return null;
  }

  /** Where to cut a chunk that has grown too long without a sentence end, or null. */
  private lengthCut(): number | null {
    const length = this.buffer.trimEnd().length;
    const early = this.emitted === 0 && this.firstChunkMaxChars > 0 && length > this.firstChunkMaxChars;
    if (!early && length <= this.maxChunkChars) return null;
    const limit = early ? this.firstChunkMaxChars : this.maxChunkChars;
    const window = this.buffer.slice(0, limit + 1);
    const clause = lastClauseEnd(window, this.minChunkChars);
    if (clause !== null) return clause;
    if (early) return null; // no clause yet: wait for the sentence end rather than cut mid-phrase
    const space = window.lastIndexOf(' ');
    return space >= this.minChunkChars ? space : limit;
  }
}

/** Splits complete text into sentences, with the same rules as the streaming chunker. */
export function splitSentences(text: string): string[] {
  const chunker = new SentenceChunker({ firstChunkMaxChars: 0, maxChunkChars: Number.POSITIVE_INFINITY });
  return [...chunker.push(text), ...chunker.flush()];
}

/**
 * Turns text deltas (e.g. LLM tokens) into sentences, each yielded as soon as it is complete. When
 * `deltas` throws (a model's stream broke off), the error passes on and the unfinished tail is
 * dropped, not yielded: only the end of the text makes a tail a sentence.
 */
export async function* chunkSentences(
  deltas: AsyncIterable<string>,
  options?: SentenceChunkerOptions,
): AsyncGenerator<string> {
  const chunker = new SentenceChunker(options);
  for await (const delta of deltas) yield* chunker.push(delta);
  yield* chunker.flush();
}

/** The index just after the last clause mark (", " "; " ": " " - " " — ") at or after `min`. */
function lastClauseEnd(text: string, min: number): number | null {
  let best: number | null = null;
  for (const match of text.matchAll(/[,;:](?=\s)|\s[-–—](?=\s)/g)) {
    const end = (match.index ?? 0) + match[0].length;
    if (end >= min) best = end;
  }
  return best;
}

/**
 * Decides whether the terminator run text[i..j) ends a sentence, given the next non-space character.
 */
function endsSentence(text: string, i: number, j: number, next: string): boolean {
  // "well... maybe", "approx. ten", "etc. and so on": lowercase goes on with the same sentence.
  if (/\p{Ll}/u.test(next)) return false;
  if (j - i > 1 || text[i] !== '.') return true;
  let w = i;
  while (w > 0 && !/[\s"'“‘(]/.test(text[w - 1] as string)) w--;
  const word = text.slice(w, i);
  const lower = word.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return false;
  if (NUMBER_ABBREVIATIONS.has(lower) && /\d/.test(next)) return false;
  // Dotted abbreviations ("e.g", "i.e", "U.S") and initials ("J. Smith").
  if (/^(\p{L}\.)+\p{L}$/u.test(word)) return false;
  if (/^\p{Lu}$/u.test(word)) return false;
  return true;
}
