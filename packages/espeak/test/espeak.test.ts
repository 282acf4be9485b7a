import {
  ErrorCode,
  ESPEAK_VOICES,
  type SynthesisResult,
  type VisemeCue,
  type WordTiming,
} from '@visemo/core';
import { createProviders, ProvidersConfigSchema } from '@visemo/providers';
import { describe, expect, it } from 'vitest';
import { type EspeakEvent, EspeakSynthesizer, MAX_ESPEAK_TEXT_CHARS, wordsFromEvents } from '../src/index.js';

const synthesizer = new EspeakSynthesizer({ defaultVoice: 'fr' });

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function word(result: SynthesisResult, text: string): WordTiming {
  const found = result.words.find((w) => w.word === text);
  if (!found) throw new Error(`no word "${text}" in ${result.words.map((w) => w.word).join(' ')}`);
  return found;
}

/** The cues that overlap a word's span. */
function visemesDuring(result: SynthesisResult, span: WordTiming): VisemeCue['viseme'][] {
  return result.visemes.filter((v) => v.endMs > span.startMs && v.startMs < span.endMs).map((v) => v.viseme);
}

function expectOrderedWords(result: SynthesisResult, words: string[]): void {
  expect(result.words.map((w) => w.word)).toEqual(words);
  const durationMs = (result.audio.samples.length / result.audio.sampleRate) * 1000;
  for (const [i, w] of result.words.entries()) {
    expect(w.endMs).toBeGreaterThan(w.startMs);
    expect(w.endMs).toBeLessThanOrEqual(durationMs);
    if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual((result.words[i - 1] as WordTiming).endMs);
  }
}

describe('EspeakSynthesizer', () => {
  it('speaks French at 16 kHz with words in order and closed lips on p, b and m', async () => {
    const result = await synthesizer.synthesize('Bonjour, je peux vous aider ?', { voice: 'fr' });
    expect(result.audio.sampleRate).toBe(16000);
    const seconds = result.audio.samples.length / 16000;
    // Five short words with a pause after the greeting: about a second and a half.
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(3);
    expect(rms(result.audio.samples)).toBeGreaterThan(500);
    expectOrderedWords(result, ['Bonjour', 'je', 'peux', 'vous', 'aider']);
    expect(visemesDuring(result, word(result, 'Bonjour'))[0]).toBe('PP');
    expect(visemesDuring(result, word(result, 'peux'))).toContain('PP');
    expect(visemesDuring(result, word(result, 'vous'))).toContain('FF');
    expect(visemesDuring(result, word(result, 'aider'))).not.toContain('PP');
    // The audio under a word is speech, and the pause after "Bonjour," is quiet.
    const slice = (fromMs: number, toMs: number) => result.audio.samples.subarray(fromMs * 16, toMs * 16);
    const bonjour = word(result, 'Bonjour');
    const je = word(result, 'je');
    expect(rms(slice(bonjour.startMs, bonjour.endMs))).toBeGreaterThan(
      10 * rms(slice(bonjour.endMs + 20, je.startMs - 20)),
    );
  });

  it('gives French vowels their lip shapes: nasal, front rounded, and the uvular r', async () => {
    const result = await synthesizer.synthesize('Merci beaucoup, madame. Un bon vin brun.', { voice: 'fr' });
    expectOrderedWords(result, ['Merci', 'beaucoup', 'madame', 'Un', 'bon', 'vin', 'brun']);
    for (const w of ['Merci', 'beaucoup', 'madame', 'bon', 'brun'])
      expect(visemesDuring(result, word(result, w))).toContain('PP');
    const phones = result.phones?.map((p) => p.phone.replace(/[ˈˌ]/u, '')) ?? [];
    expect(phones).toEqual(expect.arrayContaining(['ʁ', 'ɔ̃', 'ɛ̃']));
    // "bon" /bɔ̃/ rounds the lips; "vin" /vɛ̃/ spreads them.
    expect(visemesDuring(result, word(result, 'bon'))).toContain('oh');
    expect(visemesDuring(result, word(result, 'vin'))).toContain('E');
    expect(visemesDuring(result, word(result, 'Merci'))).toContain('RR');
  });

  it('keeps written words whole: numbers, elisions, hyphenated pairs', async () => {
    const result = await synthesizer.synthesize('J’ai 42 euros, pourriez-vous répéter ?', { voice: 'fr' });
    expectOrderedWords(result, ['J’ai', '42', 'euros', 'pourriez-vous', 'répéter']);
    // "quarante-deux" is longer than "euros".
    const duration = (w: WordTiming) => w.endMs - w.startMs;
    expect(duration(word(result, '42'))).toBeGreaterThan(duration(word(result, 'euros')));
  });

  it('speaks English through the same path', async () => {
    const result = await synthesizer.synthesize({ text: 'Hello, my name is Ada.', voice: 'en-us' });
    expectOrderedWords(result, ['Hello', 'my', 'name', 'is', 'Ada']);
    expect(visemesDuring(result, word(result, 'my'))).toContain('PP');
    expect(result.phones?.some((p) => p.phone.includes('ɪ'))).toBe(true);
  });

  it('speaks every voice it lists', async () => {
    for (const voice of ESPEAK_VOICES) {
      const result = await synthesizer.synthesize('Hello, Ada.', { voice });
      expect(rms(result.audio.samples), voice).toBeGreaterThan(500);
      expect(result.words.map((w) => w.word)).toEqual(['Hello', 'Ada']);
    }
  });

  it('refuses an unknown voice, too long a text and an aborted request with typed errors, and goes on', async () => {
    await expect(synthesizer.synthesize({ text: 'Bonjour', voice: 'klingon' })).rejects.toMatchObject({
      code: ErrorCode.ProviderRejected,
    });
    expect(() => new EspeakSynthesizer({ defaultVoice: 'xx' as 'fr' })).toThrow(/no voice "xx"/);
    expect(() => new EspeakSynthesizer({ rate: 1000 })).toThrow(/rate 1000/);
    await expect(synthesizer.synthesize('a '.repeat(MAX_ESPEAK_TEXT_CHARS))).rejects.toMatchObject({
      code: ErrorCode.ProviderRejected,
    });
    await expect(synthesizer.synthesize('Bonjour', { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCode.Aborted,
    });
    const silent = await synthesizer.synthesize(' … ? ');
    expect(silent.audio.samples.length).toBe(0);
    expect(silent.words).toEqual([]);
    expect((await synthesizer.synthesize('Toujours là.')).words.map((w) => w.word)).toEqual([
      'Toujours',
      'là',
    ]);
  });

  it('reads markup characters as text', async () => {
    const result = await synthesizer.synthesize('<speak>deux & trois</speak>', { voice: 'fr' });
    expect(result.words.map((w) => w.word)).toEqual(['speak>deux', 'trois</speak']);
    expect(result.audio.samples.length).toBeGreaterThan(8000);
  });
});

describe('wordsFromEvents', () => {
  const phone = (id: string, at: number, ms: number): EspeakEvent => ({
    type: 'phoneme',
    text_position: at,
    word_length: 0,
    audio_position: ms,
    id,
  });

  it('times each written word by the phones read from it, and a silent one by the gap it sits in', () => {
    const events = [phone('a', 1, 0), phone('', 2, 100), phone('b', 7, 300), phone('ˈi', 7, 350)];
    // "a" then "—" (no phones) then "bi"; the comma is not part of a word.
    expect(wordsFromEvents('a, — bi.', events, 500)).toEqual([
      { word: 'a', startMs: 0, endMs: 100 },
      { word: 'bi', startMs: 300, endMs: 500 },
    ]);
    // "3 €": the euros eSpeak reads from the symbol are the number's.
    const euros = [phone('t', 1, 0), phone('ʁ', 1, 50), phone('ø', 3, 100), phone('', 4, 200)];
    expect(wordsFromEvents('3 €.', euros, 300)).toEqual([{ word: '3', startMs: 0, endMs: 200 }]);
    expect(wordsFromEvents('a x bi', [phone('a', 1, 0), phone('b', 5, 300)], 400)).toEqual([
      { word: 'a', startMs: 0, endMs: 300 },
      { word: 'x', startMs: 300, endMs: 300 },
      { word: 'bi', startMs: 300, endMs: 400 },
    ]);
  });
});

describe('espeak in agent.yaml', () => {
  it('accepts the eSpeak voices only', () => {
    expect(ProvidersConfigSchema.safeParse({ tts: [{ type: 'espeak', voice: 'fr' }] }).success).toBe(true);
    const refused = ProvidersConfigSchema.safeParse({ tts: [{ type: 'espeak', voice: 'fr-FR' }] });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('en-us');
  });

  it('builds through the providers registry and speaks the configured voice', async () => {
    const config = ProvidersConfigSchema.parse({ tts: [{ type: 'espeak', voice: 'fr', rate: 160 }] });
    const providers = createProviders(config, {});
    try {
      expect(providers.tts?.voices).toContain('fr');
      const result = await providers.tts?.synthesize({ text: 'Au revoir et bonne journée.' });
      expect(result?.words.map((w) => w.word)).toEqual(['Au', 'revoir', 'et', 'bonne', 'journée']);
      expect(result?.visemes.some((v) => v.viseme === 'PP')).toBe(true);
    } finally {
      await providers.close();
    }
  });
});
