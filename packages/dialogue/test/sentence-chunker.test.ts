import { describe, expect, it } from 'vitest';
import { chunkSentences, SentenceChunker, splitSentences } from '../src/index.js';

async function* stream(parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

async function collect(parts: string[], options?: Parameters<typeof chunkSentences>[1]): Promise<string[]> {
  const out: string[] = [];
  for await (const sentence of chunkSentences(stream(parts), options)) out.push(sentence);
  return out;
}

/** Splits text into deltas of `size` characters, like tokens arriving. */
function deltas(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('splitSentences', () => {
  it('splits on sentence ends and keeps punctuation', () => {
    expect(splitSentences('Hello there. How are you? Great!')).toEqual([
      'Hello there.',
      'How are you?',
      'Great!',
    ]);
  });

  it('does not split abbreviations, initials, decimals or numbered abbreviations', () => {
    const text =
      'Dr. Smith sees you at 4.30 p.m. today. Pay e.g. by card, i.e. Visa. It costs 4.99 euros. Ask for No. 5 at St. Mary Street. J. R. Tolkien wrote it.';
    expect(splitSentences(text)).toEqual([
      'Dr. Smith sees you at 4.30 p.m. today.',
      'Pay e.g. by card, i.e. Visa.',
      'It costs 4.99 euros.',
      'Ask for No. 5 at St. Mary Street.',
      'J. R. Tolkien wrote it.',
    ]);
  });

  it('keeps "no." as a sentence end when no number follows', () => {
    expect(splitSentences('The answer is no. Sorry about that.')).toEqual([
      'The answer is no.',
      'Sorry about that.',
    ]);
  });

  it('handles ellipses, "?!" and closing quotes', () => {
    expect(splitSentences('Well... maybe. Really?! Yes. She said "Go now." Then she left… Done.')).toEqual([
      'Well... maybe.',
      'Really?!',
      'Yes.',
      'She said "Go now."',
      'Then she left…',
      'Done.',
    ]);
  });

  it('ends a sentence at a blank line or a list item', () => {
    expect(splitSentences('Opening hours\n\nWe open at nine\n- Monday to Friday\n- Saturday')).toEqual([
      'Opening hours',
      'We open at nine',
      '- Monday to Friday',
      '- Saturday',
    ]);
  });

  it('does not split web addresses or version numbers', () => {
    expect(splitSentences('Visit shopright.example/returns today. Version 2.1.3 is out.')).toEqual([
      'Visit shopright.example/returns today.',
      'Version 2.1.3 is out.',
    ]);
  });
});

describe('chunkSentences', () => {
  const text =
    'Sure! Your parcel left our warehouse on Monday. It costs 4.99 euros, e.g. for Germany. Dr. Lee will call... Thanks.';

  it('gives the same sentences whatever the delta sizes', async () => {
    const whole = splitSentences(text);
    for (const size of [1, 2, 3, 7, 50]) {
      expect(await collect(deltas(text, size), { firstChunkMaxChars: 0 })).toEqual(whole);
    }
  });

  it('emits a sentence as soon as the next one starts, before the stream ends', () => {
    const chunker = new SentenceChunker();
    expect(chunker.push('Your order shipped')).toEqual([]);
    expect(chunker.push(' on Monday.')).toEqual([]); // could still be "Monday.com"
    expect(chunker.push(' It')).toEqual(['Your order shipped on Monday.']);
    expect(chunker.push(' costs 4.')).toEqual([]);
    expect(chunker.push('99 euros. ')).toEqual([]);
    expect(chunker.flush()).toEqual(['It costs 4.99 euros.']);
  });

  it('cuts a long first sentence at a clause so speech can start early', async () => {
    const long =
      'Thanks for waiting, I have looked at your order and everything seems fine, but the courier reported a delay at the depot near Leipzig yesterday. It should arrive tomorrow.';
    const chunks = await collect(deltas(long, 4), { firstChunkMaxChars: 80 });
    expect(chunks[0]).toBe('Thanks for waiting, I have looked at your order and everything seems fine,');
    // Only the first chunk is cut early; the rest keeps whole sentences.
    expect(chunks.slice(1)).toEqual([
      'but the courier reported a delay at the depot near Leipzig yesterday.',
      'It should arrive tomorrow.',
    ]);
    expect(chunks.join(' ')).toBe(long);
  });

  it('does not cut a first sentence without a clause mark', async () => {
    const long =
      'The parcel with the blue winter jacket and the two pairs of wool socks arrives tomorrow morning before ten.';
    expect(await collect(deltas(long, 5), { firstChunkMaxChars: 40 })).toEqual([long]);
  });

  it('forces a cut in a run-on text at the maximum length', async () => {
    const runOn = `${'word '.repeat(100)}end.`;
    const chunks = await collect([runOn], { firstChunkMaxChars: 0, maxChunkChars: 120 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.length <= 120)).toBe(true);
    expect(chunks.join(' ')).toBe(runOn.trim());
  });

  it('flushes text without final punctuation and drops empty input', async () => {
    expect(await collect(['Thanks for calling', ' ShopRight'])).toEqual(['Thanks for calling ShopRight']);
    expect(await collect(['', '  ', '\n'])).toEqual([]);
  });
});
