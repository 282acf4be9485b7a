import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, describe, expect, it } from 'vitest';
import { SynthesisCache } from '../src/synthesis-cache.js';

/** Records the requests that reach it and answers with one second of silence. */
class CountingSynthesizer implements SpeechSynthesizer {
  readonly name = 'counting';
  readonly voices = ['a', 'b'];
  readonly requests: string[] = [];
  failNext = false;
  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    this.requests.push(`${request.voice}:${request.text}`);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('synthesis failed');
    }
    return { audio: { samples: new Int16Array(16000), sampleRate: 16000 }, visemes: [], words: [] };
  }
}

describe('SynthesisCache', () => {
  const flite = new FliteSynthesizer();
  afterAll(() => flite.close());

  it('answers a sentence said before from memory, the same audio and timings as the synthesizer gave', async () => {
    const cache = new SynthesisCache(flite);
    const request = { text: 'We are open from nine to five.', voice: 'slt' };
    const first = await cache.synthesize(request);
    const again = await cache.synthesize(request);
    expect(again).toBe(first);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    const fresh = await flite.synthesize(request);
    expect(first.audio.samples).toEqual(fresh.audio.samples);
    expect(first.visemes).toEqual(fresh.visemes);
  });

  it('keeps voices apart and does not keep failures', async () => {
    const inner = new CountingSynthesizer();
    const cache = new SynthesisCache(inner);
    await cache.synthesize({ text: 'Hello.', voice: 'a' });
    await cache.synthesize({ text: 'Hello.', voice: 'b' });
    await cache.synthesize({ text: 'Hello.', voice: 'a' });
    inner.failNext = true;
    await expect(cache.synthesize({ text: 'Bye.', voice: 'a' })).rejects.toThrow('synthesis failed');
    await cache.synthesize({ text: 'Bye.', voice: 'a' });
    expect(inner.requests).toEqual(['a:Hello.', 'b:Hello.', 'a:Bye.', 'a:Bye.']);
  });

  it('stays within its memory, dropping the sentence used least recently', async () => {
    const inner = new CountingSynthesizer();
    // One second of 16-bit audio is 32,000 bytes: room for two sentences, not three.
    const cache = new SynthesisCache(inner, { maxBytes: 70_000 });
    await cache.synthesize({ text: 'one', voice: 'a' });
    await cache.synthesize({ text: 'two', voice: 'a' });
    await cache.synthesize({ text: 'one', voice: 'a' }); // "two" is now the least recent
    await cache.synthesize({ text: 'three', voice: 'a' });
    expect(cache.stats().bytes).toBeLessThanOrEqual(70_000);
    await cache.synthesize({ text: 'one', voice: 'a' });
    await cache.synthesize({ text: 'two', voice: 'a' });
    expect(inner.requests).toEqual(['a:one', 'a:two', 'a:three', 'a:two']);
  });
});
