import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VISEMES, VisemoError } from '@visemo/core';
import { afterAll, describe, expect, it } from 'vitest';
import { GrammarRecognizer } from '../src/asr/grammar-recognizer.js';
import { defaultPicoLingwareDir, hasPicoLingware, PicoEngine } from '../src/pico/pico-engine.js';
import { PicoSynthesizer } from '../src/pico/pico-synthesizer.js';
import { SUPPORT_DOMAIN } from './support/customer-support-domain.js';
import { energyOnsets, onsetOffsets, visemeOnsets } from './support/speech-onsets.js';

/** How far the mouth may open before or after the sound it goes with: about two 60 fps frames. */
const SYNC_TOLERANCE_MS = 40;

describe('SVOX Pico without its lingware', () => {
  it('says which files are missing and where it looked', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'visemo-pico-'));
    try {
      const error = await PicoEngine.create('en-US', empty).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VisemoError);
      expect((error as Error).message).toContain(`en-US_ta.bin and en-US_lh0_sg.bin in ${empty}`);
      expect((error as Error).message).toContain('libttspico-data');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses a voice it does not have', () => {
    expect(() => new PicoSynthesizer({ defaultVoice: 'slt' as never })).toThrow(/no voice "slt"/);
  });
});

const lingware = hasPicoLingware('en-US');
if (!lingware) {
  console.warn(
    `skipping SVOX Pico speech tests: no en-US lingware in ${defaultPicoLingwareDir()} ` +
      '(apt-get install libttspico-data from Debian non-free, or set VISEMO_PICO_LINGWARE)',
  );
}

describe.skipIf(!lingware)('SVOX Pico synthesizer', () => {
  const synthesizer = new PicoSynthesizer();
  afterAll(() => synthesizer.close());

  it('speaks a sentence the grammar recognizer understands word for word', async () => {
    const recognizer = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
    try {
      for (const text of ['i want to check my order status', 'how do i get a refund']) {
        const { audio } = await synthesizer.synthesize({ text });
        expect(audio.sampleRate).toBe(16000);
        const stream = recognizer.start();
        for (let i = 0; i < audio.samples.length; i += 320) stream.write(audio.samples.subarray(i, i + 320));
        const transcript = await stream.finish();
        expect(transcript).toMatchObject({ text, understood: true });
      }
    } finally {
      recognizer.close();
    }
  });

  it('times visemes and words to its audio by forced alignment', async () => {
    const text = 'Thank you for calling. My name is Ada, how can I help you today?';
    {
      const { audio, visemes, words, phones } = await synthesizer.synthesize({ text });
      const durationMs = (audio.samples.length / audio.sampleRate) * 1000;
      // One contiguous track over the whole audio, of known visemes.
      expect(visemes[0]?.startMs).toBe(0);
      for (const [i, cue] of visemes.entries()) {
        expect(VISEMES).toContain(cue.viseme);
        expect(cue.endMs).toBeGreaterThan(cue.startMs);
        if (i > 0) expect(cue.startMs).toBe(visemes[i - 1]?.endMs);
      }
      expect(Math.abs((visemes.at(-1)?.endMs ?? 0) - durationMs)).toBeLessThanOrEqual(20);
      expect(words.map((w) => w.word.toLowerCase())).toEqual(
        text
          .toLowerCase()
          .replace(/[^a-z ]/g, '')
          .split(' '),
      );
      expect(phones?.length).toBeGreaterThan(30);
      // Speech after each pause starts in the audio and on the lips together.
      const heard = energyOnsets(audio);
      expect(heard.length).toBeGreaterThanOrEqual(2);
      const { offsets, unmatched } = onsetOffsets(heard, visemeOnsets(visemes));
      expect(unmatched).toBe(0);
      for (const offset of offsets) expect(Math.abs(offset)).toBeLessThanOrEqual(SYNC_TOLERANCE_MS);
    }
  });

  it('starts a sentence within 80 ms, so a reply needs no trimmed pause', async () => {
    const { audio, visemes } = await synthesizer.synthesize({
      text: 'How can I help you today?',
      leading: true,
    });
    const heard = energyOnsets(audio)[0] as number;
    expect(heard).toBeLessThanOrEqual(80);
    expect(visemes[0]?.viseme).toBe('sil');
    expect(Math.abs((visemeOnsets(visemes)[0] as number) - heard)).toBeLessThanOrEqual(SYNC_TOLERANCE_MS);
  });

  it('stops before speaking when the request is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(synthesizer.synthesize({ text: 'hello', signal: controller.signal })).rejects.toMatchObject({
      code: 'aborted',
    });
  });
});
