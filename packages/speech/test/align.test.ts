import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlignerThread,
  estimateAlignment,
  ForcedAligner,
  lettersToPhones,
  speakableWords,
} from '../src/align/index.js';
import { boundaryErrors, fliteSample } from './support/flite-phones.js';

const PHONE_SET = new Set(
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(
    ' ',
  ),
);

describe('ForcedAligner', () => {
  let aligner: ForcedAligner;
  let dir: string;
  beforeAll(async () => {
    aligner = await ForcedAligner.create();
    dir = mkdtempSync(join(tmpdir(), 'align-test-'));
  });
  afterAll(() => {
    aligner.delete();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds Flite phone boundaries within tens of milliseconds', () => {
    const text = 'Please book a table for four people tomorrow evening.';
    const { audio, truth } = fliteSample(text, dir);
    const result = aligner.align(audio, text);
    expect(result.words.map((w) => w.word)).toEqual(speakableWords(text));
    const errors = boundaryErrors(truth, result.phones);
    expect(errors.length).toBeGreaterThan(30);
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(mean).toBeLessThan(30);
    for (let i = 1; i < result.words.length; i++) {
      expect(result.words[i]?.startMs).toBeGreaterThanOrEqual(result.words[i - 1]?.endMs ?? 0);
    }
    // Visemes cover the audio without gaps.
    for (let i = 1; i < result.visemes.length; i++) {
      expect(result.visemes[i]?.startMs).toBe(result.visemes[i - 1]?.endMs);
    }
    expect(result.visemes.some((v) => v.viseme === 'PP')).toBe(true);
  });

  it('aligns words no dictionary knows by their letter pronunciation', () => {
    const text = 'Welcome to Zorblatt Vexmoor today';
    const { audio } = fliteSample(text, dir);
    const pronounced = aligner.pronounce(text);
    expect(pronounced.find((w) => w.word === 'zorblatt')?.inDictionary).toBe(false);
    const result = aligner.align(audio, text);
    const words = result.words.map((w) => w.word);
    expect(words).toEqual(['welcome', 'to', 'zorblatt', 'vexmoor', 'today']);
    const z = result.words[2];
    expect(z && z.endMs - z.startMs).toBeGreaterThan(200);
  });

  it('rejects audio that is not 16 kHz', () => {
    expect(() => aligner.align({ samples: new Int16Array(100), sampleRate: 24000 }, 'hi')).toThrow(/16 kHz/);
  });
});

describe('text-only timings', () => {
  it('spreads phones evenly over the duration', () => {
    const words = [
      { word: 'hi', phones: ['HH', 'AY'], inDictionary: true },
      { word: 'bob', phones: ['B', 'AA', 'B'], inDictionary: true },
    ];
    const result = estimateAlignment(words, 1000);
    expect(result.phones.map((p) => p.startMs)).toEqual([0, 200, 400, 600, 800]);
    expect(result.words).toEqual([
      { word: 'hi', startMs: 0, endMs: 400 },
      { word: 'bob', startMs: 400, endMs: 1000 },
    ]);
  });

  it('letter rules give phones of the model phone set', () => {
    for (const word of ['knight', 'xylophone', 'quickly', 'cereal', 'judge', 'station', 'élan']) {
      const phones = lettersToPhones(word);
      expect(phones.length).toBeGreaterThan(0);
      for (const p of phones) expect(PHONE_SET.has(p)).toBe(true);
    }
    expect(lettersToPhones('ship')).toEqual(['SH', 'IH', 'P']);
    expect(lettersToPhones('make')).toEqual(['M', 'EY', 'K']);
  });

  it('spells numbers and drops punctuation', () => {
    expect(speakableWords("It's 42, isn't it?")).toEqual(["it's", 'forty', 'two', "isn't", 'it']);
  });
});

describe('AlignerThread', () => {
  it('aligns on a worker thread with the same result as in-process alignment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'align-thread-'));
    const thread = await AlignerThread.create();
    const local = await ForcedAligner.create();
    try {
      const text = 'Your order ships on Tuesday from Glorbix.';
      const { audio } = fliteSample(text, dir);
      const [a, b] = await Promise.all([thread.align(audio, text), thread.align(audio, text)]);
      expect(a).toEqual(local.align(audio, text));
      expect(b).toEqual(a);
      expect((await thread.pronounce('zwembrik'))[0]?.inDictionary).toBe(false);
    } finally {
      await thread.close();
      local.delete();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
