import { appendFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SentenceEncoder, SentenceVectorCache, trainIntentClassifier } from '../src/index.js';
import { supportAgent } from './domain.js';

const examples = supportAgent().intents.flatMap((i) => i.examples.map((text) => ({ text, intent: i.name })));

/** Vectors made from the letters of a text; counts the texts it is asked about. */
class LetterEncoder implements SentenceEncoder {
  readonly name = 'letters';
  readonly dimensions = 26;
  asked: string[] = [];
  embed(texts: readonly string[]): Float32Array[] {
    this.asked.push(...texts);
    return texts.map((text) => {
      const v = new Float32Array(this.dimensions);
      for (const ch of text.toLowerCase()) {
        const d = ch.charCodeAt(0) - 97;
        if (d >= 0 && d < 26) v[d] = (v[d] as number) + 1;
      }
      return v;
    });
  }
}

const folder = () => mkdtempSync(join(tmpdir(), 'visemo-vectors-'));
const fileIn = (dir: string) => join(dir, readdirSync(dir)[0] as string);

describe('SentenceVectorCache', () => {
  it('embeds the examples of a retrained domain only once', () => {
    const dir = folder();
    const first = new LetterEncoder();
    const a = trainIntentClassifier(examples, { encoder: first, encoderCache: dir, background: [] });
    expect(first.asked.length).toBe(examples.length);
    const second = new LetterEncoder();
    const b = trainIntentClassifier(examples, { encoder: second, encoderCache: dir, background: [] });
    expect(second.asked).toEqual([]);
    for (const text of ['where is my parcel', 'refund please', 'hello'])
      expect(b.classify(text)).toEqual(a.classify(text));
  });

  it('embeds only the examples it has not seen', () => {
    const dir = folder();
    trainIntentClassifier(examples, { encoder: new LetterEncoder(), encoderCache: dir, background: [] });
    const encoder = new LetterEncoder();
    const added = { text: 'my shipment is late', intent: 'order_status' };
    trainIntentClassifier([...examples, added], { encoder, encoderCache: dir, background: [] });
    expect(encoder.asked).toEqual([added.text]);
  });

  it('never writes what is classified', () => {
    const dir = folder();
    const classifier = trainIntentClassifier(examples, {
      encoder: new LetterEncoder(),
      encoderCache: dir,
      encoderBelow: 1,
      background: [],
    });
    const size = statSync(fileIn(dir)).size;
    classifier.classify('my card number is 4111 1111 1111 1111');
    expect(statSync(fileIn(dir)).size).toBe(size);
  });

  it('keeps the whole records of a file whose last record was cut short', () => {
    const dir = folder();
    const texts = ['where is my order', 'héllo — ça va ?'];
    const stored = SentenceVectorCache.open(dir, new LetterEncoder()).embed(texts);
    appendFileSync(fileIn(dir), Buffer.from([9, 0, 0, 0, 104, 105]));
    const encoder = new LetterEncoder();
    const reopened = SentenceVectorCache.open(dir, encoder);
    expect(reopened.embed(texts)).toEqual(stored);
    expect(encoder.asked).toEqual([]);
    reopened.embed(['a new one']);
    expect(SentenceVectorCache.open(dir, encoder).embed(['a new one', ...texts]).length).toBe(3);
    expect(encoder.asked).toEqual(['a new one']);
  });
});
