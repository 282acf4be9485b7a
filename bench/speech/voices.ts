import type { SpeechSynthesizer, SynthesisResult } from '@visemo/core';
import {
  AlignerThread,
  FliteSynthesizer,
  GrammarRecognizer,
  hasPicoLingware,
  PicoEngine,
  PicoSynthesizer,
} from '@visemo/speech';
import {
  IN_GRAMMAR,
  OUT_OF_GRAMMAR,
  SUPPORT_DOMAIN,
} from '../../packages/speech/test/support/customer-support-domain.js';
import {
  energyOnsets,
  onsetOffsets,
  visemeOnsets,
} from '../../packages/speech/test/support/speech-onsets.js';
import { type BenchRow, percentile } from '../table.js';
import { benchSentences } from './alignment.js';
import { transcribe } from './asr.js';
import { pitchStatistics, pitchTrack } from './pitch.js';

/**
 * The embedded voices side by side — Flite's four and Pico's two English ones: speed, a pitch-contour
 * proxy for naturalness, intelligibility through the grammar recognizer, and lip-sync (speech
 * onsets in the audio against the mouth leaving `sil`).
 */

export interface Voice {
  label: string;
  synthesizer: SpeechSynthesizer;
  voice: string;
}

/** Replies of a customer-support agent: several sentences each, so there are pauses to sync. */
const REPLIES = [
  'Thank you for calling. My name is Ada, how can I help you today?',
  'Your order shipped yesterday. It should arrive on Friday, before noon.',
  'I am sorry about that. Let me check the delivery address for you.',
  'We ship to France, Germany and Spain. Shipping is free over fifty euros.',
  'Your refund is on its way. It can take five working days to show.',
];

const seconds = (r: SynthesisResult) => r.audio.samples.length / r.audio.sampleRate;

/** Speed, the pitch proxy and lip-sync of `v` speaking `sentences`, then `replies`. */
export async function measureSpeech(v: Voice, sentences: string[], replies = REPLIES): Promise<BenchRow[]> {
  const say = (text: string, leading = false) => v.synthesizer.synthesize({ text, voice: v.voice, leading });
  await say('Hello, thank you for calling. How can I help you today?');
  let ms = 0;
  let audioS = 0;
  const firstMs: number[] = [];
  const tracks: number[][] = [];
  const offsets: number[] = [];
  let unmatched = 0;
  let onsets = 0;
  for (const text of [...sentences, ...replies]) {
    const t0 = performance.now();
    const result = await say(text, true);
    const took = performance.now() - t0;
    ms += took;
    firstMs.push(took);
    audioS += seconds(result);
    tracks.push(pitchTrack(result.audio));
    const heard = energyOnsets(result.audio);
    const paired = onsetOffsets(heard, visemeOnsets(result.visemes));
    offsets.push(...paired.offsets);
    unmatched += paired.unmatched;
    onsets += heard.length;
  }
  const pitch = pitchStatistics(tracks);
  const abs = offsets.map(Math.abs);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const l = v.label;
  return [
    { name: `${l}: synthesis time per second of audio`, value: ms / audioS, unit: 'ms/s' },
    {
      name: `${l}: time to first audio, median sentence`,
      value: percentile(firstMs, 50),
      unit: 'ms',
      target: '≤ 250',
      ok: percentile(firstMs, 50) <= 250,
    },
    { name: `${l}: time to first audio, p95`, value: percentile(firstMs, 95), unit: 'ms' },
    { name: `${l}: F0 spread (sd)`, value: pitch.spreadSemitones, unit: 'semitones' },
    { name: `${l}: F0 range p10–p90`, value: pitch.rangeSemitones, unit: 'semitones' },
    { name: `${l}: F0 step between frames`, value: pitch.jitterSemitones, unit: 'st/10 ms' },
    { name: `${l}: voiced frames`, value: pitch.voicedFraction * 100, unit: '%' },
    {
      name: `${l}: lip-sync onset offset, mean |Δ|`,
      value: mean(abs),
      unit: 'ms',
      target: '≤ 40',
      ok: mean(abs) <= 40,
    },
    { name: `${l}: lip-sync onset offset, p95 |Δ|`, value: percentile(abs, 95), unit: 'ms' },
    { name: `${l}: lip-sync onset offset, mean signed`, value: mean(offsets), unit: 'ms' },
    {
      name: `${l}: speech onsets with no mouth onset within 250 ms`,
      value: (unmatched / onsets) * 100,
      unit: '%',
    },
  ];
}

/** How well the support agent's grammar recognizer hears `v` (English voices only). */
export async function measureIntelligibility(v: Voice, recognizer: GrammarRecognizer): Promise<BenchRow[]> {
  const say = (text: string) => v.synthesizer.synthesize({ text, voice: v.voice });
  let exact = 0;
  let understood = 0;
  for (const text of IN_GRAMMAR) {
    const t = await transcribe(recognizer, (await say(text)).audio.samples);
    if (t.text === text) exact++;
    if (t.understood) understood++;
  }
  let rejected = 0;
  for (const text of OUT_OF_GRAMMAR)
    if (!(await transcribe(recognizer, (await say(text)).audio.samples)).understood) rejected++;
  const l = v.label;
  return [
    {
      name: `${l}: in-grammar sentences recognized word for word`,
      value: (exact / IN_GRAMMAR.length) * 100,
      unit: '%',
    },
    {
      name: `${l}: in-grammar sentences understood`,
      value: (understood / IN_GRAMMAR.length) * 100,
      unit: '%',
    },
    {
      name: `${l}: out-of-grammar sentences rejected`,
      value: (rejected / OUT_OF_GRAMMAR.length) * 100,
      unit: '%',
    },
  ];
}

async function measureVoice(
  v: Voice,
  recognizer: GrammarRecognizer,
  sentences: string[],
): Promise<BenchRow[]> {
  const rows = await measureSpeech(v, sentences);
  const heard = await measureIntelligibility(v, recognizer);
  // The table's order: speed and pitch, intelligibility, lip-sync.
  const lipSync = rows.findIndex((r) => r.name.includes('lip-sync'));
  return [...rows.slice(0, lipSync), ...heard, ...rows.slice(lipSync)];
}

/** Pico's own first chunk: how soon a streaming Pico could start playing. */
function picoEngineRows(engine: PicoEngine, sentences: string[]): BenchRow[] {
  engine.speak('Hello, thank you for calling.');
  const first: number[] = [];
  let ms = 0;
  let samples = 0;
  for (const text of sentences) {
    const t0 = performance.now();
    let seen = false;
    const audio = engine.speak(text, () => {
      if (!seen) first.push(performance.now() - t0);
      seen = true;
    });
    ms += performance.now() - t0;
    samples += audio.length;
  }
  return [
    { name: 'pico engine alone: time per second of audio', value: ms / (samples / 16000), unit: 'ms/s' },
    { name: 'pico engine alone: first chunk, median', value: percentile(first, 50), unit: 'ms' },
  ];
}

export async function benchVoices(quick: boolean): Promise<BenchRow[]> {
  const sentences = benchSentences(quick ? 10 : 30);
  const recognizer = await GrammarRecognizer.create({ grammar: SUPPORT_DOMAIN });
  const flite = new FliteSynthesizer();
  const aligner = AlignerThread.create();
  const pico = new PicoSynthesizer({ aligner: () => aligner });
  const voices: Voice[] = ['slt', 'rms', 'awb', 'kal'].map((voice) => ({
    label: `flite ${voice}`,
    synthesizer: flite,
    voice,
  }));
  const rows: BenchRow[] = [];
  if (hasPicoLingware('en-US')) {
    voices.push({ label: 'pico en-US', synthesizer: pico, voice: 'en-US' });
    if (hasPicoLingware('en-GB')) voices.push({ label: 'pico en-GB', synthesizer: pico, voice: 'en-GB' });
    rows.push(...picoEngineRows(await PicoEngine.create('en-US'), sentences));
  } else {
    process.stderr.write('  no Pico lingware (libttspico-data): Flite voices only\n');
  }
  try {
    for (const v of voices) {
      process.stderr.write(`  ${v.label}\n`);
      rows.push(...(await measureVoice(v, recognizer, sentences)));
    }
  } finally {
    recognizer.close();
    await flite.close();
    await (await aligner).close();
  }
  return rows;
}
