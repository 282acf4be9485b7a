import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RecognitionStream, SpeechRecognizer, Transcript } from '@visemo/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrammarRecognizer, RecognizerThreads } from '../src/asr/index.js';
import { IN_GRAMMAR, OUT_OF_GRAMMAR, SUPPORT_DOMAIN } from './support/customer-support-domain.js';
import { fliteSpeech, POCKETSPHINX_DATA, readRaw16 } from './support/speech-fixtures.js';

async function transcribe(recognizer: SpeechRecognizer, samples: Int16Array, chunk = 320, speaker?: string) {
  const stream = recognizer.start(speaker === undefined ? {} : { speaker });
  for (let i = 0; i < samples.length; i += chunk) stream.write(samples.subarray(i, i + chunk));
  return stream.finish();
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('RecognizerThreads gives the in-thread recognizer’s transcripts', () => {
  it('on real recordings against the goforward grammar', async () => {
    const grammar = readFileSync(join(POCKETSPHINX_DATA, 'goforward.gram'), 'utf8');
    const [threads, inThread] = await Promise.all([
      RecognizerThreads.create({ grammar, threads: 2 }),
      GrammarRecognizer.create({ grammar }),
    ]);
    try {
      expect(threads.jsgf).toBe(inThread.jsgf);
      // goforward.raw is in the grammar; numbers.raw and something.raw are not.
      for (const file of ['goforward.raw', 'numbers.raw', 'something.raw']) {
        const audio = readRaw16(join(POCKETSPHINX_DATA, file));
        expect(await transcribe(threads, audio), file).toEqual(await transcribe(inThread, audio));
      }
      expect(await transcribe(threads, readRaw16(join(POCKETSPHINX_DATA, 'goforward.raw')))).toMatchObject({
        text: 'go forward ten meters',
        understood: true,
      });
    } finally {
      inThread.close();
      await threads.close();
    }
  });

  it('on Flite phrases in and out of the grammar, several streams at once', async () => {
    const [threads, inThread] = await Promise.all([
      RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 2 }),
      GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN }),
    ]);
    try {
      expect(threads.dropped).toEqual(inThread.dropped);
      const phrases = [
        ...IN_GRAMMAR.slice(0, 5).map((text) => ({ text, voice: 'rms' })),
        ...IN_GRAMMAR.slice(5, 8).map((text) => ({ text, voice: 'slt' })),
        ...OUT_OF_GRAMMAR.slice(0, 3).map((text) => ({ text, voice: 'awb' })),
      ];
      const audio = phrases.map((p) => fliteSpeech(p.text, p.voice));
      const expected: Transcript[] = [];
      for (const samples of audio) expected.push(await transcribe(inThread, samples));
      expect(expected.filter((t) => t.understood).length).toBeGreaterThan(5);
      // All at once: the streams are spread over both workers and interleave there.
      const got = await Promise.all(
        audio.map((samples, i) => transcribe(threads, samples, 160 + 160 * (i % 4))),
      );
      const words = (t: Transcript) => ({ text: t.text, understood: t.understood });
      expect(got.map(words)).toEqual(expected.map(words));
      // Confidences differ in the third decimal: the decoder's cepstral mean carries over from the
      // utterance it decoded before, and the streams meet other decoders here.
      got.forEach((t, i) => {
        expect(Math.abs(t.confidence - (expected[i] as Transcript).confidence)).toBeLessThan(0.02);
      });
    } finally {
      inThread.close();
      await threads.close();
    }
  });
});

describe('RecognizerThreads and speakers', () => {
  it('start a speaker’s utterance from their cepstral mean on whichever worker it lands', async () => {
    const first = fliteSpeech('where is my order', 'slt');
    const next = fliteSpeech('i want to return my order', 'slt');
    const [threads, inThread, fresh] = await Promise.all([
      RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 2 }),
      GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN, maxDecoders: 1 }),
      GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN, maxDecoders: 1 }),
    ]);
    try {
      // In the thread: a speaks, someone else speaks, a's next utterance starts from a's mean.
      await transcribe(inThread, first, 320, 'a');
      await transcribe(inThread, fliteSpeech('goodbye', 'awb'), 320, 'b');
      const expected = await transcribe(inThread, next, 320, 'a');
      // On the workers: a speaks on one; with that one busy, a's next utterance goes to the other.
      await transcribe(threads, first, 320, 'a');
      const busy = threads.start();
      expect(threads.stats().streams).toEqual([1, 0]);
      expect(await transcribe(threads, next, 320, 'a')).toEqual(expected);
      busy.cancel();
      // What the other worker's decoder gives without a's mean: not the same.
      expect((await transcribe(fresh, next)).confidence).not.toBe(expected.confidence);
    } finally {
      inThread.close();
      fresh.close();
      await threads.close();
    }
  });
});

describe('RecognizerThreads streams', () => {
  let threads: RecognizerThreads;
  let hello: Int16Array;
  let order: Int16Array;
  beforeAll(async () => {
    threads = await RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 2 });
    hello = fliteSpeech('hello', 'slt');
    order = fliteSpeech('i want to check my order status', 'rms');
  });
  afterAll(() => threads.close());

  it('decodes off the calling thread: writes return before any decoding, partials come later', async () => {
    const streams = [0, 1, 2, 3].map(() => threads.start());
    expect(threads.stats().streams).toEqual([2, 2]);
    for (let i = 0; i < order.length; i += 320) {
      for (const stream of streams) stream.write(order.subarray(i, i + 320));
    }
    // Three seconds of speech in each of four streams written, and nothing decoded yet: the
    // in-thread recognizer would have a partial by now.
    expect(streams.map((s) => s.partial())).toEqual(['', '', '', '']);
    let turns = 0;
    const heard = [false, false, false, false];
    await vi.waitFor(
      async () => {
        await turn();
        turns++;
        streams.forEach((s, i) => {
          heard[i] ||= s.partial().startsWith('i want');
        });
        expect(heard).toEqual([true, true, true, true]);
      },
      { timeout: 20_000, interval: 1 },
    );
    // The event loop kept turning while the workers decoded.
    expect(turns).toBeGreaterThan(1);
    const results = await Promise.all(streams.map((s) => s.finish()));
    expect(results.map((r) => r.text)).toEqual(Array(4).fill('i want to check my order status'));
    expect(threads.stats().streams).toEqual([0, 0]);
  });

  it('pins each stream to the least busy worker', async () => {
    const a = threads.start();
    const b = threads.start();
    const c = threads.start();
    expect(threads.stats().streams).toEqual([2, 1]);
    b.cancel();
    expect(threads.stats().streams).toEqual([2, 0]);
    const d = threads.start();
    expect(threads.stats().streams).toEqual([2, 1]);
    for (const s of [a, c, d]) s.write(hello);
    expect((await Promise.all([a, c, d].map((s) => s.finish()))).map((t) => t.text)).toEqual([
      'hello',
      'hello',
      'hello',
    ]);
  });

  it('cancel and abort release the stream; finish after them rejects as aborted', async () => {
    const cancelled = threads.start();
    cancelled.write(order);
    cancelled.cancel();
    await expect(cancelled.finish()).rejects.toMatchObject({ code: 'aborted' });
    expect(cancelled.partial()).toBe('');
    cancelled.write(order); // ignored, as after an in-thread cancel

    const controller = new AbortController();
    const aborted = threads.start({ signal: controller.signal });
    aborted.write(order);
    controller.abort();
    await expect(aborted.finish()).rejects.toMatchObject({ code: 'aborted' });

    const already = threads.start({ signal: AbortSignal.abort() });
    await expect(already.finish()).rejects.toMatchObject({ code: 'aborted' });

    // Cancelled while the worker works on the result: the pending finish rejects at once.
    const late = threads.start();
    late.write(order);
    const finishing = late.finish();
    late.cancel();
    await expect(finishing).rejects.toMatchObject({ code: 'aborted' });

    expect(threads.stats().streams).toEqual([0, 0]);
    expect((await transcribe(threads, hello)).text).toBe('hello');
  });

  it('refuses a write after finish and a second finish', async () => {
    const stream = threads.start();
    stream.write(hello);
    const result = stream.finish();
    expect(() => stream.write(hello)).toThrow(expect.objectContaining({ code: 'internal' }));
    await expect(stream.finish()).rejects.toMatchObject({ code: 'internal' });
    expect((await result).text).toBe('hello');
  });
});

describe('RecognizerThreads and the process', () => {
  it('lets the process exit when only an unfinished stream is left, and not before a pending result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'visemo-threads-'));
    const script = join(dir, 'exit.mts');
    const source = new URL('../src/asr/recognizer-thread.ts', import.meta.url).href;
    writeFileSync(
      script,
      [
        `import { RecognizerThreads } from ${JSON.stringify(source)};`,
        `const threads = await RecognizerThreads.create({ grammar: ${JSON.stringify(SUPPORT_DOMAIN)}, threads: 2 });`,
        'threads.start().write(new Int16Array(16000));',
        'const awaited = threads.start();',
        'awaited.write(new Int16Array(16000));',
        'awaited.finish().then((t) => console.log(JSON.stringify(t)));',
      ].join('\n'),
    );
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
        cwd: new URL('../../..', import.meta.url).pathname,
        timeout: 30_000,
      });
      expect(JSON.parse(stdout)).toEqual({ text: '', confidence: 0, understood: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RecognizerThreads when a worker dies', () => {
  it('fails the dead worker’s streams with provider_failed, replaces it, and keeps the others going', async () => {
    const threads = await RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 2 });
    const hello = fliteSpeech('hello', 'slt');
    try {
      for (const kill of [
        // Killed from outside.
        (index: number) => void threads.workers()[index]?.terminate(),
        // An uncaught exception inside the worker.
        (index: number) => threads.workers()[index]?.postMessage({ type: 'no-such-message' }),
      ]) {
        const streams: RecognitionStream[] = [threads.start(), threads.start()];
        // One stream on each worker; the first on worker 0, which dies.
        expect(threads.stats().streams).toEqual([1, 1]);
        for (const s of streams) s.write(hello);
        kill(0);
        const [dead, alive] = await Promise.allSettled(streams.map((s) => s.finish()));
        expect(dead).toMatchObject({ status: 'rejected', reason: { code: 'provider_failed' } });
        expect(alive).toMatchObject({ status: 'fulfilled', value: { text: 'hello' } });
        await vi.waitFor(() => expect(threads.stats()).toMatchObject({ threads: 2, ready: 2 }), {
          timeout: 20_000,
        });
      }
      // The replacement decodes like the original: fill both workers.
      const results = await Promise.all([0, 1, 2, 3].map(() => transcribe(threads, hello)));
      expect(results.map((r) => r.text)).toEqual(Array(4).fill('hello'));
    } finally {
      await threads.close();
    }
  });

  it('a closed recognizer fails open streams with session_closed and new ones with provider_failed', async () => {
    const threads = await RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 1 });
    const open = threads.start();
    await threads.close();
    await expect(open.finish()).rejects.toMatchObject({ code: 'session_closed' });
    await expect(threads.start().finish()).rejects.toMatchObject({ code: 'provider_failed' });
  });

  it('rejects at create with the recognizer’s own error, e.g. words the dictionary lacks', async () => {
    await expect(
      RecognizerThreads.create({
        grammar: '#JSGF V1.0;\ngrammar g;\npublic <a> = hello zorblax;\n',
        threads: 1,
      }),
    ).rejects.toMatchObject({ code: 'agent_invalid', message: expect.stringContaining('zorblax') });
  });
});

describe('a whole sentence heard', () => {
  /** Feeds the audio and then silence, and answers whether the stream ends up complete. */
  async function completeAfter(recognizer: SpeechRecognizer, text: string): Promise<boolean> {
    const stream = recognizer.start();
    const samples = fliteSpeech(text, 'slt');
    for (let i = 0; i < samples.length; i += 320) stream.write(samples.subarray(i, i + 320));
    stream.write(new Int16Array(4800));
    // A worker answers in order: once a later stream's transcript is back, so are this one's partials.
    await recognizer.start().finish();
    const complete = stream.complete?.() ?? false;
    stream.cancel();
    return complete;
  }

  it('is complete once it is a phrase, not while it is a prefix or a number too short, in-thread and on worker threads', async () => {
    const [threads, inThread] = await Promise.all([
      RecognizerThreads.create({ grammar: SUPPORT_DOMAIN, threads: 1 }),
      GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN }),
    ]);
    try {
      for (const recognizer of [inThread, threads]) {
        expect(await completeAfter(recognizer, 'where is my order'), recognizer.constructor.name).toBe(true);
        expect(await completeAfter(recognizer, 'my order number is one two three four five six')).toBe(true);
        expect(await completeAfter(recognizer, 'my order number is one two three')).toBe(false);
        expect(await completeAfter(recognizer, 'do you ship to')).toBe(false);
      }
    } finally {
      inThread.close();
      await threads.close();
    }
  });
});
