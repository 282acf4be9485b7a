import type { SpeechSynthesizer, SynthesisRequest, SynthesisResult } from '@visemo/core';
import { FliteSynthesizer, ForcedAligner } from '@visemo/speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureUtterance } from '../src/media-checks/measure-utterance.js';
import { DEFAULT_THRESHOLDS, thresholdViolations } from '../src/media-checks/thresholds.js';

const TEXT = 'Your order was shipped on Monday and should arrive within three days.';

let aligner: ForcedAligner;
const flite = new FliteSynthesizer();
beforeAll(async () => {
  aligner = await ForcedAligner.create();
});
afterAll(async () => {
  aligner.delete();
  await flite.close();
});

/** Flite, with its audio changed by `change` after synthesis: a synthesizer with a fault. */
function faulty(change: (result: SynthesisResult) => SynthesisResult): SpeechSynthesizer {
  return {
    name: 'faulty',
    voices: ['slt'],
    synthesize: async (request: SynthesisRequest) => change(await flite.synthesize(request)),
  };
}

describe('the media checks of one utterance', () => {
  it('find nothing wrong with flite slt as the pipeline sends it', async () => {
    const measures = await measureUtterance(flite, 'slt', TEXT, aligner);
    expect(thresholdViolations(measures, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(measures.trackOverrunMs).toBe(0);
  });

  it('catch audio labelled 16 kHz that plays twice as fast: speaking rate and track length', async () => {
    // Every other sample dropped, the rate left at 16 kHz: what a wrong rate in a WAV header does.
    const fast = faulty((r) => ({
      ...r,
      audio: { samples: r.audio.samples.filter((_, i) => i % 2 === 0), sampleRate: 16000 },
    }));
    const measures = await measureUtterance(fast, 'slt', TEXT, aligner);
    const violations = thresholdViolations(measures, DEFAULT_THRESHOLDS);
    expect(violations).toContainEqual(
      expect.stringMatching(/^speaking rate \d+(\.\d)? phones\/s outside 7–20/),
    );
    // The viseme track still lasts as long as the speech did.
    expect(violations).toContainEqual(expect.stringMatching(/^viseme track ends \d+ ms after the audio$/));
  });

  it('catch a declared rate the pipeline does not run at', async () => {
    const wrongRate = faulty((r) => ({ ...r, audio: { ...r.audio, sampleRate: 22050 } }));
    const measures = await measureUtterance(wrongRate, 'slt', TEXT, aligner);
    expect(thresholdViolations(measures, DEFAULT_THRESHOLDS)).toEqual(
      expect.arrayContaining([
        'sample rate 22050 Hz, the pipeline expects 16000 Hz',
        'no lip-sync measure: the aligner takes 16000 Hz audio',
      ]),
    );
  });

  it('catch clipping and an opening silence', async () => {
    const loudAndLate = faulty((r) => {
      const samples = new Int16Array(8000 + r.audio.samples.length);
      r.audio.samples.forEach((s, i) => {
        samples[8000 + i] = Math.max(-32768, Math.min(32767, s * 8));
      });
      return { ...r, audio: { samples, sampleRate: 16000 } };
    });
    const measures = await measureUtterance(loudAndLate, 'slt', TEXT, aligner);
    const violations = thresholdViolations(measures, DEFAULT_THRESHOLDS);
    expect(measures.leadingSilenceMs).toBeGreaterThanOrEqual(500);
    expect(violations).toContainEqual(expect.stringMatching(/^clipping \d+(\.\d+)? % > 0\.1 %$/));
    expect(violations).toContainEqual(expect.stringMatching(/^leading silence \d+ ms > 300 ms$/));
  });
});
