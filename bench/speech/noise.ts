import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@visemo/core';
import { concatSamples, FliteSynthesizer, GrammarRecognizer, suppressNoise } from '@visemo/speech';
import { IN_GRAMMAR, SUPPORT_DOMAIN } from '../../packages/speech/test/support/customer-support-domain.js';
import {
  cardsRecordings,
  hasPocketsphinxData,
  POCKETSPHINX_DATA,
  wordErrors,
} from '../../packages/speech/test/support/speech-fixtures.js';
import type { BenchRow } from '../table.js';
import { benchSentences } from './alignment.js';
import { transcribe } from './asr.js';

/**
 * Recognition in noisy rooms, with and without RNNoise in front of the grammar recognizer:
 * Flite voices (support-agent sentences) and real recordings (pocketsphinx-testdata's cards)
 * mixed with white, pink and babble noise at 20, 10, 5 and 0 dB SNR.
 */

const SNRS = [20, 10, 5, 0] as const;
/** Room noise before and after the speech, as a voice activity detector would pass it on. */
const PAD_SAMPLES = 16000 * 0.3;

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

function white(length: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  return Float64Array.from({ length }, () => gaussian(next));
}

/** Pink (1/f) noise: Paul Kellet's filter on white noise. */
export function pink(length: number, seed: number): Float64Array {
  const w = white(length, seed);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  return w.map((x) => {
    b0 = 0.99886 * b0 + x * 0.0555179;
    b1 = 0.99332 * b1 + x * 0.0750759;
    b2 = 0.969 * b2 + x * 0.153852;
    b3 = 0.8665 * b3 + x * 0.3104856;
    b4 = 0.55 * b4 + x * 0.5329522;
    b5 = -0.7616 * b5 - x * 0.016898;
    const y = b0 + b1 + b2 + b3 + b4 + b5 + b6 + x * 0.5362;
    b6 = x * 0.115926;
    return y;
  });
}

/** Babble: four other talkers (Flite voices reading everyday requests) at once, each looped. */
async function babbleSource(): Promise<Float64Array> {
  const flite = new FliteSynthesizer();
  try {
    const talkers = ['slt', 'rms', 'awb', 'kal'];
    const texts = benchSentences(40);
    const tracks: Int16Array[] = [];
    for (const [k, voice] of talkers.entries()) {
      const parts: Int16Array[] = [];
      for (let i = k; i < texts.length; i += talkers.length)
        parts.push((await flite.synthesize({ text: texts[i] as string, voice })).audio.samples);
      tracks.push(concatSamples(parts));
    }
    const length = Math.min(...tracks.map((t) => t.length));
    return Float64Array.from({ length }, (_, i) => tracks.reduce((s, t) => s + (t[i] as number), 0));
  } finally {
    await flite.close();
  }
}

function rms(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, x.length));
}

/** `speech` with room noise before and after, and `noise` under it all at `snrDb` (speech RMS over noise RMS). */
export function mix(
  speech: Int16Array,
  noise: Float64Array | null,
  offset: number,
  snrDb: number,
): Int16Array {
  const out = new Int16Array(speech.length + 2 * PAD_SAMPLES);
  const slice = Float64Array.from({ length: out.length }, (_, i) =>
    noise ? (noise[(offset + i) % noise.length] as number) : 0,
  );
  const gain = noise ? rms(speech) / (rms(slice) * 10 ** (snrDb / 20)) : 0;
  for (let i = 0; i < out.length; i++) {
    const s = i >= PAD_SAMPLES && i < PAD_SAMPLES + speech.length ? (speech[i - PAD_SAMPLES] as number) : 0;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(s + (slice[i] as number) * gain)));
  }
  return out;
}

interface Clip {
  samples: Int16Array;
  text: string;
  recognizer: GrammarRecognizer;
}

async function score(clips: Clip[], prepare: (samples: Int16Array, k: number) => Promise<Int16Array>) {
  let exact = 0;
  let errors = 0;
  let words = 0;
  for (const [k, c] of clips.entries()) {
    const t = await transcribe(c.recognizer, await prepare(c.samples, k));
    if (t.understood && t.text === c.text) exact++;
    errors += wordErrors(c.text, t.understood ? t.text : '');
    words += c.text.split(' ').length;
  }
  return { sentences: (exact / clips.length) * 100, wer: (errors / words) * 100 };
}

export async function benchNoise(quick: boolean): Promise<BenchRow[]> {
  const support = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
  const recognizers = [support];
  const sets: { name: string; clips: Clip[] }[] = [];
  const flite = new FliteSynthesizer();
  const fliteClips: Clip[] = [];
  for (const voice of quick ? ['slt'] : ['slt', 'rms'])
    for (const text of IN_GRAMMAR)
      fliteClips.push({
        samples: (await flite.synthesize({ text, voice })).audio.samples,
        text,
        recognizer: support,
      });
  await flite.close();
  sets.push({ name: 'flite', clips: fliteClips });
  if (hasPocketsphinxData()) {
    const cards = await GrammarRecognizer.create({
      grammar: readFileSync(join(POCKETSPHINX_DATA, 'cards', 'cards.gram'), 'utf8'),
    });
    recognizers.push(cards);
    sets.push({ name: 'recorded', clips: cardsRecordings().map((c) => ({ ...c, recognizer: cards })) });
  }
  const babble = await babbleSource();
  const noises: Record<string, Float64Array> = {
    white: white(16000 * 30, 1),
    pink: pink(16000 * 30, 2),
    babble,
  };
  const rows: BenchRow[] = [];
  let cleanedMs = 0;
  let cleanedSamples = 0;
  const denoise = async (samples: Int16Array) => {
    const t0 = performance.now();
    const out = await suppressNoise(samples);
    cleanedMs += performance.now() - t0;
    cleanedSamples += samples.length;
    return out;
  };
  try {
    for (const set of sets) {
      const pad = (s: Int16Array) => mix(s, null, 0, 0);
      const clean = await score(set.clips, async (s) => pad(s));
      const cleanDenoised = await score(set.clips, async (s) => denoise(pad(s)));
      rows.push(
        {
          name: `${set.name} (${set.clips.length} clips), clean: sentences right`,
          value: clean.sentences,
          unit: '%',
        },
        { name: `${set.name}, clean + RNNoise: sentences right`, value: cleanDenoised.sentences, unit: '%' },
      );
      for (const [noiseName, noise] of Object.entries(noises)) {
        for (const snr of quick ? [10, 0] : SNRS) {
          process.stderr.write(`  ${set.name} ${noiseName} ${snr} dB\n`);
          const noisy = (s: Int16Array, k: number) => mix(s, noise, (k * 7919 * 13) % noise.length, snr);
          const plain = await score(set.clips, async (s, k) => noisy(s, k));
          const cleaned = await score(set.clips, async (s, k) => denoise(noisy(s, k)));
          const label = `${set.name}, ${noiseName} ${snr} dB`;
          rows.push(
            {
              name: `${label}: sentences right / WER`,
              value: plain.sentences,
              unit: `% / ${plain.wer.toFixed(1)} %`,
            },
            {
              name: `${label} + RNNoise: sentences right / WER`,
              value: cleaned.sentences,
              unit: `% / ${cleaned.wer.toFixed(1)} %`,
            },
          );
        }
      }
    }
  } finally {
    for (const r of recognizers) r.close();
  }
  rows.push({
    name: 'RNNoise time per second of audio (with 16↔48 kHz resampling)',
    value: cleanedMs / (cleanedSamples / 16000),
    unit: 'ms/s',
  });
  return rows;
}
