import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PhoneTiming, type SynthesisResult, VISEMES, VisemoError } from '@visemo/core';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../src/audio/wav.js';
import { FLITE_VOICES, FliteSynthesizer, parsePsdur } from '../src/flite/flite-synthesizer.js';
import { normalizeText } from '../src/flite/text-normalizer.js';
import { alignWords } from '../src/flite/word-aligner.js';

const synthesizer = new FliteSynthesizer();
const scratch = mkdtempSync(join(tmpdir(), 'visemo-flite-test-'));
afterAll(async () => {
  await synthesizer.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The Debian `flite` command on the same (normalized) text and voice: an independent reference. */
function debianFlite(text: string, voice: string): { durationMs: number; phones: string[] } {
  const input = join(scratch, 'in.txt');
  const output = join(scratch, 'out.wav');
  writeFileSync(input, `${normalizeText(text).spoken}\n`);
  const stdout = execFileSync(
    'flite',
    ['-voice', voice === 'kal' ? 'kal16' : voice, '-psdur', '-f', input, '-o', output],
    {
      encoding: 'utf8',
    },
  );
  const audio = readWav(readFileSync(output));
  return {
    durationMs: (audio.samples.length / audio.sampleRate) * 1000,
    phones: stdout
      .split(/\s+/)
      .filter(Boolean)
      .map((p) => p.slice(0, p.lastIndexOf(':'))),
  };
}

function durationMs(result: SynthesisResult): number {
  return (result.audio.samples.length / result.audio.sampleRate) * 1000;
}

/** RMS of the audio between two times, 0..1. */
function rms(result: SynthesisResult, fromMs: number, toMs: number): number {
  const s = result.audio.samples;
  const a = Math.floor((fromMs / 1000) * result.audio.sampleRate);
  const b = Math.min(s.length, Math.floor((toMs / 1000) * result.audio.sampleRate));
  let sum = 0;
  for (let i = a; i < b; i++) sum += ((s[i] as number) / 32768) ** 2;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

function expectTimeline(spans: { startMs: number; endMs: number }[], endMs: number): void {
  expect(spans.length).toBeGreaterThan(0);
  expect(spans[0]?.startMs).toBe(0);
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as { startMs: number; endMs: number };
    expect(span.endMs).toBeGreaterThan(span.startMs);
    if (i > 0) expect(span.startMs).toBe(spans[i - 1]?.endMs);
  }
  expect(spans.at(-1)?.endMs).toBe(Math.round(endMs));
}

const SENTENCE = 'Thank you for calling. Your order will arrive on Monday morning.';

describe.each(FLITE_VOICES)('FliteSynthesizer, voice %s', (voice) => {
  let result: SynthesisResult;

  it('speaks a sentence as long as the Debian flite does, at 16 kHz', async () => {
    result = await synthesizer.synthesize({ text: SENTENCE, voice });
    expect(result.audio.sampleRate).toBe(16000);
    const reference = debianFlite(SENTENCE, voice);
    expect(Math.abs(durationMs(result) - reference.durationMs)).toBeLessThan(reference.durationMs * 0.05);
    expect(result.phones?.map((p) => p.phone)).toEqual(reference.phones);
  });

  it('times phones monotonically over the whole audio, loud where speech is and quiet in pauses', () => {
    const phones = result.phones as PhoneTiming[];
    expectTimeline(phones, durationMs(result));
    const speech = phones.filter((p) => p.phone !== 'pau');
    const pauses = phones.filter((p) => p.phone === 'pau');
    expect(pauses.length).toBeGreaterThanOrEqual(3); // start, between the sentences, end
    const loudness = (ps: PhoneTiming[]) =>
      ps.reduce((a, p) => a + rms(result, p.startMs, p.endMs), 0) / ps.length;
    expect(loudness(speech)).toBeGreaterThan(loudness(pauses) * 5);
    // The second sentence stays in step with the audio too (no drift across utterances).
    const lastWord = phones.slice(-4, -1);
    for (const p of lastWord) expect(rms(result, p.startMs, p.endMs)).toBeGreaterThan(0.01);
  });

  it('gives a viseme timeline with mouth shapes over the speech', () => {
    expectTimeline(result.visemes, durationMs(result));
    const shapes = new Set(result.visemes.map((c) => c.viseme));
    for (const v of shapes) expect(VISEMES).toContain(v);
    expect(result.visemes[0]?.viseme).toBe('sil');
    expect(shapes.size).toBeGreaterThanOrEqual(8);
  });

  it('times every word in order, inside the speech', () => {
    const words = result.words;
    expect(words.map((w) => w.word)).toEqual(SENTENCE.split(' '));
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as { startMs: number; endMs: number };
      expect(w.endMs).toBeGreaterThan(w.startMs);
      if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual(words[i - 1]?.endMs ?? 0);
      expect(rms(result, w.startMs, w.endMs)).toBeGreaterThan(0.01);
    }
    expect(words.at(-1)?.endMs).toBeLessThan(durationMs(result));
  });
});

describe('word boundaries', () => {
  /** Phones per word from speaking each word alone: exact where Flite says it the same in context. */
  async function referenceBoundaries(text: string): Promise<{ starts: number[]; total: number }> {
    const counts: number[] = [];
    for (const word of text.split(' ')) {
      const alone = await synthesizer.synthesize({ text: word, voice: 'kal' });
      counts.push((alone.phones ?? []).filter((p) => p.phone !== 'pau').length);
    }
    const starts: number[] = [];
    let sum = 0;
    for (const c of counts) {
      starts.push(sum);
      sum += c;
    }
    return { starts, total: sum };
  }

  it('start at the first phone of each word for nearly every word', async () => {
    const sentences = [
      'I would like to check the status of my recent order please',
      'Could you tell me how much the shipping costs for this package',
      'The museum opens at nine and closes early on Sunday afternoons',
      'Please describe your symptoms and how long you have had them',
    ];
    let compared = 0;
    let exact = 0;
    for (const text of sentences) {
      const result = await synthesizer.synthesize({ text, voice: 'kal' });
      const speech = (result.phones ?? []).filter((p) => p.phone !== 'pau');
      const reference = await referenceBoundaries(text);
      // Only where each word sounds the same alone as in the sentence is the reference exact.
      if (reference.total !== speech.length) continue;
      result.words.forEach((w, i) => {
        const aligned = speech.findIndex((p) => p.startMs === w.startMs);
        compared++;
        if (aligned === reference.starts[i]) exact++;
      });
    }
    expect(compared).toBeGreaterThanOrEqual(40);
    expect(exact / compared).toBeGreaterThanOrEqual(0.9);
  });
});

describe('alignWords', () => {
  const phones = (spec: string): PhoneTiming[] =>
    spec.split(' ').map((phone, i) => ({ phone, startMs: i * 100, endMs: (i + 1) * 100 }));

  it('puts pauses between words and gives a word said with its neighbour an empty span', () => {
    // "5 EUR": the amount and the code are said together as "five euros".
    const tokens = normalizeText('Pay 5 EUR now').tokens;
    const words = alignWords(tokens, phones('pau p ey f ay v y uw r ow z pau n aw pau'));
    expect(words).toEqual([
      { word: 'Pay', startMs: 100, endMs: 300 },
      { word: '5', startMs: 300, endMs: 1100 },
      { word: 'EUR', startMs: 1100, endMs: 1100 },
      { word: 'now', startMs: 1200, endMs: 1400 },
    ]);
  });

  it('shares phones out by letters when the text is too long to align exactly', () => {
    const text = Array.from({ length: 700 }, () => 'banana').join(' ');
    const many = phones(Array.from({ length: 700 * 6 }, (_, i) => (i % 2 ? 'ah' : 'n')).join(' '));
    const words = alignWords(normalizeText(text).tokens, many);
    expect(words).toHaveLength(700);
    expect(words[0]?.startMs).toBe(0);
    expect(words.at(-1)?.endMs).toBe(700 * 6 * 100);
    for (let i = 1; i < words.length; i++) expect(words[i]?.startMs).toBe(words[i - 1]?.endMs);
  });
});

describe('text the way people write it', () => {
  const phoneString = async (text: string) =>
    ` ${((await synthesizer.synthesize({ text, voice: 'kal' })).phones ?? []).map((p) => p.phone).join(' ')} `;

  it('reads euro amounts, order numbers digit by digit, and whole hours', async () => {
    expect(await phoneString('It costs €4.99.')).toContain(
      ' f ao r y uw r ow z n ay n t iy n ay n s eh n t s ',
    );
    // one two three, four five six
    expect(await phoneString('Your order 123456 shipped.')).toContain(
      ' w ah n t uw th r iy pau f ao r f ay v s ih k s ',
    );
    expect(await phoneString('We open at 10:00.')).toContain(' t eh n ax k l aa k ');
  });

  it('turns typography into speech and drops what Flite cannot read', async () => {
    const normalized = normalizeText('He said “fine” — café… e.g. 25°C ★ AT&T');
    expect(normalized.spoken).toMatch(/^[\x20-\x7e]*$/);
    expect(normalized.spoken).toBe('He said "fine" , cafe... for example 25 degrees Celsius AT and T');
    const result = await synthesizer.synthesize({
      text: 'He said “fine” — café… e.g. 25°C ★ AT&T',
      voice: 'kal',
    });
    expect(result.words.map((w) => w.word)).toEqual([
      'He',
      'said',
      '“fine”',
      'café…',
      'e.g.',
      '25°C',
      'AT&T',
    ]);
  });

  it('keeps to what Flite already reads well', () => {
    for (const text of ['It is 9:30 and 50% off.', 'Dr. Smith paid $4.99 on the 3rd.', 'Call 555-1234.']) {
      expect(normalizeText(text).spoken).toBe(text);
    }
  });

  it('covers other currencies, identifiers and addresses', () => {
    const say = (t: string) => normalizeText(t).spoken;
    expect(say('£1.50')).toBe('1 pound 50 pence');
    expect(say('5 EUR')).toBe('5 euros');
    expect(say('€0.01')).toBe('1 cent');
    expect(say('¥500')).toBe('500 yen');
    expect(say('booking AB-12345')).toBe('booking A B, 1 2 3, 4 5');
    expect(say('ticket #4521')).toBe('ticket number 4 5 2 1');
    expect(say('No. 7')).toBe('number 7');
    expect(say('at 14:00')).toBe('at 14 hundred');
    expect(say('open 24/7')).toBe('open 24 7');
    expect(say('mail help@visemo.dev')).toBe('mail help at visemo dot dev');
    expect(say('see https://example.com/help')).toBe('see example dot com slash help');
    expect(say('on Jan 5')).toBe('on January 5');
    expect(say('It ends soon, etc.')).toBe('It ends soon, et cetera.');
  });
});

describe('requests', () => {
  it('rejects an unknown voice', async () => {
    await expect(synthesizer.synthesize({ text: 'hello', voice: 'nobody' })).rejects.toMatchObject({
      code: 'provider_rejected',
    });
    expect(() => new FliteSynthesizer({ defaultVoice: 'nobody' as 'slt' })).toThrow(VisemoError);
  });

  it('stops when aborted before or while waiting for the engine', async () => {
    const before = new AbortController();
    before.abort();
    await expect(synthesizer.synthesize({ text: 'hello', signal: before.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
    const during = new AbortController();
    const pending = synthesizer.synthesize({ text: 'hello there', voice: 'rms', signal: during.signal });
    during.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    // The synthesizer is still usable afterwards.
    expect(
      (await synthesizer.synthesize({ text: 'hello there', voice: 'rms' })).audio.samples.length,
    ).toBeGreaterThan(0);
  });

  it('fails cleanly once closed', async () => {
    const closing = new FliteSynthesizer();
    const last = closing.synthesize({ text: 'Still here.' });
    await closing.close();
    await expect(last).rejects.toMatchObject({ code: 'provider_failed' });
    await expect(closing.synthesize({ text: 'Gone.' })).rejects.toBeInstanceOf(VisemoError);
  });

  it('returns silence for text with nothing to say', async () => {
    const result = await synthesizer.synthesize({ text: ' … ★ ' });
    expect(result.audio.samples.length).toBe(0);
    expect(result.visemes).toEqual([]);
  });

  it('gives correct, independent results for calls made in parallel', async () => {
    const requests = [
      { text: 'One, two, three.', voice: 'slt' },
      { text: 'A much longer sentence about the weather in the mountains today.', voice: 'slt' },
      { text: 'Goodbye.', voice: 'awb' },
      { text: 'See you tomorrow at noon.', voice: 'kal' },
      { text: 'One, two, three.', voice: 'slt' },
    ];
    const twoWorkers = new FliteSynthesizer({ workers: 2 });
    const parallel = await Promise.all(requests.map((r) => twoWorkers.synthesize(r)));
    await twoWorkers.close();
    for (let i = 0; i < requests.length; i++) {
      const alone = await synthesizer.synthesize(requests[i] as { text: string; voice: string });
      expect(parallel[i]?.phones).toEqual(alone.phones);
      expect(parallel[i]?.audio.samples).toEqual(alone.audio.samples);
    }
    expect(parallel[0]?.audio.samples).toEqual(parallel[4]?.audio.samples);
  });

  it('speaks the same after many runs on one reused engine as on its first run', async () => {
    const oneWorker = new FliteSynthesizer({ workers: 1 });
    const request = { text: 'Your order 123456 left our warehouse yesterday.', voice: 'rms' };
    const first = await oneWorker.synthesize(request);
    for (const voice of ['slt', 'awb', 'kal', 'rms']) {
      await oneWorker.synthesize({
        text: `A different sentence for ${voice}, with numbers: 42 and 7.`,
        voice,
      });
    }
    const again = await oneWorker.synthesize(request);
    await oneWorker.close();
    expect(again.phones).toEqual(first.phones);
    expect(again.audio.samples).toEqual(first.audio.samples);
  });

  it("starts a reply's leading sentence after 40 ms of silence instead of Flite's 170-220 ms", async () => {
    const text = 'Standard shipping costs five euros.';
    const plain = await synthesizer.synthesize({ text });
    const leading = await synthesizer.synthesize({ text, leading: true });
    const cut = plain.audio.samples.length - leading.audio.samples.length;
    expect(plain.phones?.[0]).toMatchObject({ phone: 'pau', startMs: 0 });
    expect(plain.phones?.[0]?.endMs).toBeGreaterThan(150);
    expect(leading.phones?.[0]).toMatchObject({ phone: 'pau', startMs: 0 });
    expect(leading.phones?.[0]?.endMs).toBeCloseTo(40, 0);
    // The same speech, earlier by what was cut: audio, phones and words move together.
    expect(leading.audio.samples).toEqual(plain.audio.samples.subarray(cut));
    const shift = (cut / 16000) * 1000;
    expect(leading.phones?.[1]?.startMs).toBeCloseTo((plain.phones?.[1]?.startMs ?? 0) - shift, 3);
    expect(leading.words[0]?.startMs).toBeCloseTo((plain.words[0]?.startMs ?? 0) - shift, 3);
  });

  it("serves a reply's leading sentence before later sentences already waiting", async () => {
    const oneWorker = new FliteSynthesizer({ workers: 1 });
    await oneWorker.prepare();
    const finished: string[] = [];
    const say = (label: string, leading: boolean) =>
      oneWorker.synthesize({ text: `This is sentence ${label}.`, leading }).then(() => finished.push(label));
    // The first call occupies the worker; the rest wait, and the leading one overtakes them.
    await Promise.all([say('one', false), say('two', false), say('three', false), say('four', true)]);
    await oneWorker.close();
    expect(finished).toEqual(['one', 'four', 'two', 'three']);
  });
});

describe('parsePsdur', () => {
  it('joins utterances and takes the audio shortfall off each final pause', () => {
    // Two utterances printing 1000 ms each; the audio is 1780 ms (110 ms short per utterance).
    const phones = parsePsdur('pau:0.200 aa:0.800 pau:1.000 \npau:0.200 iy:0.800 pau:1.000 \n', 1780);
    expect(phones).toEqual([
      { phone: 'pau', startMs: 0, endMs: 200 },
      { phone: 'aa', startMs: 200, endMs: 800 },
      { phone: 'pau', startMs: 800, endMs: 890 },
      { phone: 'pau', startMs: 890, endMs: 1090 },
      { phone: 'iy', startMs: 1090, endMs: 1690 },
      { phone: 'pau', startMs: 1690, endMs: 1780 },
    ]);
  });
});
