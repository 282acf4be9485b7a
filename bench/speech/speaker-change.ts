import { join } from 'node:path';
import { seededRandom } from '@visemo/core';
import {
  FliteSynthesizer,
  pitchDistance,
  SpeakerTracker,
  type SpeakerTrackerOptions,
  suppressNoise,
  type VoicePrint,
  voicePrint,
} from '@visemo/speech';
import {
  cardsRecordings,
  hasPocketsphinxData,
  POCKETSPHINX_DATA,
  readRaw16,
  readWavFile,
} from '../../packages/speech/test/support/speech-fixtures.js';
import type { BenchRow } from '../table.js';
import { benchSentences } from './alignment.js';
import { mix, pink } from './noise.js';

/**
 * Speaker-change detection on one microphone: conversations in which two to four people take
 * turns (alternating, and the same person twice or more in a row), labelled utterance by utterance
 * by the online tracker, with the voice print against a pitch-only baseline, clean and with pink
 * noise at 10 dB SNR. Flite voices slt, rms, awb and kal read varied sentences; real speakers are
 * pocketsphinx-testdata's recordings (the LibriVox reader, the cards speaker, and the speaker of
 * goforward/numbers/something).
 */

const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal'];
/** Chance that the next utterance is the same person again. */
const REPEAT = 0.35;

interface Clip {
  speaker: string;
  samples: Int16Array;
}

export interface Method {
  name: string;
  options: SpeakerTrackerOptions;
}

const METHODS: Method[] = [
  { name: 'voice print', options: {} },
  // 2 semitones: the best single threshold of pitch alone on the same clips.
  { name: 'pitch only', options: { distance: pitchDistance, threshold: 2 } },
];

export interface ConversationScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  correct: number;
  utterances: number;
  speakersFound: number;
  speakersTrue: number;
}

/** Change precision/recall and labelling accuracy (best one-to-one mapping of labels to people). */
export function scoreConversation(truth: readonly string[], labels: readonly number[]): ConversationScore {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let i = 1; i < truth.length; i++) {
    const real = truth[i] !== truth[i - 1];
    const found = labels[i] !== labels[i - 1];
    if (real && found) truePositives++;
    else if (found) falsePositives++;
    else if (real) falseNegatives++;
  }
  const people = [...new Set(truth)];
  const clusters = [...new Set(labels)];
  const overlap = clusters.map((c) =>
    people.map((p) => truth.filter((t, i) => t === p && labels[i] === c).length),
  );
  return {
    truePositives,
    falsePositives,
    falseNegatives,
    correct: bestMatching(overlap, 0, new Set()),
    utterances: truth.length,
    speakersFound: clusters.length,
    speakersTrue: people.length,
  };
}

/** The largest total overlap of a one-to-one matching of clusters (rows) to people (columns). */
function bestMatching(overlap: number[][], row: number, taken: Set<number>): number {
  if (row >= overlap.length) return 0;
  let best = bestMatching(overlap, row + 1, taken);
  const counts = overlap[row] as number[];
  for (let p = 0; p < counts.length; p++) {
    if (taken.has(p)) continue;
    taken.add(p);
    best = Math.max(best, (counts[p] as number) + bestMatching(overlap, row + 1, taken));
    taken.delete(p);
  }
  return best;
}

/** Seeded conversations: who speaks each utterance, among `people` of the pool. */
function conversations(speakers: readonly string[], count: number, length: number, seed: number): string[][] {
  const next = seededRandom(seed);
  const out: string[][] = [];
  for (let c = 0; c < count; c++) {
    const size = 2 + (c % Math.min(3, speakers.length - 1));
    const people = [...speakers].sort(() => next() - 0.5).slice(0, size);
    const turns = [people[0] as string];
    while (turns.length < length) {
      const last = turns.at(-1) as string;
      const others = people.filter((p) => p !== last);
      turns.push(next() < REPEAT ? last : (others[Math.floor(next() * others.length)] as string));
    }
    out.push(turns);
  }
  return out;
}

async function fliteClips(perVoice: number): Promise<Clip[]> {
  const texts = benchSentences(perVoice * FLITE_VOICES.length);
  const flite = new FliteSynthesizer();
  try {
    const clips: Clip[] = [];
    for (const [v, voice] of FLITE_VOICES.entries())
      for (let i = 0; i < perVoice; i++) {
        const text = texts[i * FLITE_VOICES.length + v] as string;
        clips.push({ speaker: voice, samples: (await flite.synthesize({ text, voice })).audio.samples });
      }
    return clips;
  } finally {
    await flite.close();
  }
}

function recordedClips(): Clip[] {
  const libri = ['0870', '0880', '0890', '0920', '0930'].map((n) => ({
    speaker: 'librivox',
    samples: readWavFile(join(POCKETSPHINX_DATA, 'librivox', `sense_and_sensibility_01_austen_64kb-${n}.wav`))
      .samples,
  }));
  const cards = cardsRecordings().map((c) => ({ speaker: 'cards', samples: c.samples }));
  const commands = ['goforward', 'numbers', 'something'].map((n) => ({
    speaker: 'commands',
    samples: readRaw16(join(POCKETSPHINX_DATA, `${n}.raw`)),
  }));
  return [...libri, ...cards, ...commands];
}

interface Totals extends ConversationScore {
  countRight: number;
  conversations: number;
}

function runSet(prints: Map<Clip, VoicePrint>, clips: Clip[], dialogues: string[][], method: Method): Totals {
  const totals: Totals = {
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    correct: 0,
    utterances: 0,
    speakersFound: 0,
    speakersTrue: 0,
    countRight: 0,
    conversations: 0,
  };
  for (const [c, turns] of dialogues.entries()) {
    const tracker = new SpeakerTracker(method.options);
    const used = new Map<string, number>();
    const labels = turns.map((speaker) => {
      const own = clips.filter((clip) => clip.speaker === speaker);
      const k = used.get(speaker) ?? c;
      used.set(speaker, k + 1);
      return tracker.assign(prints.get(own[k % own.length] as Clip) as VoicePrint).speaker;
    });
    const score = scoreConversation(turns, labels);
    for (const key of Object.keys(score) as (keyof ConversationScore)[]) totals[key] += score[key];
    totals.countRight += score.speakersFound === score.speakersTrue ? 1 : 0;
    totals.conversations++;
  }
  return totals;
}

function rowsOf(label: string, t: Totals): BenchRow[] {
  const pct = (a: number, b: number) => (b > 0 ? (a / b) * 100 : Number.NaN);
  return [
    {
      name: `${label}: change precision`,
      value: pct(t.truePositives, t.truePositives + t.falsePositives),
      unit: '%',
    },
    {
      name: `${label}: change recall`,
      value: pct(t.truePositives, t.truePositives + t.falseNegatives),
      unit: '%',
    },
    { name: `${label}: labelling accuracy`, value: pct(t.correct, t.utterances), unit: '%' },
    {
      name: `${label}: speakers found / true (per conversation)`,
      value: t.speakersFound / t.conversations,
      unit: `/ ${(t.speakersTrue / t.conversations).toFixed(2)}, count right ${pct(t.countRight, t.conversations).toFixed(0)} %`,
    },
  ];
}

export async function benchSpeakerChange(quick: boolean, methods: Method[] = METHODS): Promise<BenchRow[]> {
  const sets: { name: string; clips: Clip[]; dialogues: string[][] }[] = [];
  const flite = await fliteClips(quick ? 6 : 15);
  sets.push({ name: 'flite', clips: flite, dialogues: conversations(FLITE_VOICES, quick ? 12 : 40, 10, 1) });
  if (hasPocketsphinxData()) {
    const recorded = recordedClips();
    sets.push({
      name: 'recorded',
      clips: recorded,
      dialogues: conversations(['librivox', 'cards', 'commands'], quick ? 12 : 40, 8, 2),
    });
  } else process.stderr.write(`  no ${POCKETSPHINX_DATA}: real recordings left out\n`);
  const noise = pink(16000 * 30, 2);
  const noisy = (s: Int16Array, k: number) => mix(s, noise, (k * 7919 * 13) % noise.length, 10);
  const conditions = [
    { name: 'clean', prepare: async (s: Int16Array) => mix(s, null, 0, 0) },
    { name: 'pink 10 dB', prepare: async (s: Int16Array, k: number) => noisy(s, k) },
    // What a session with `speech.noiseSuppression` hands over: the same audio after RNNoise.
    { name: 'pink 10 dB + RNNoise', prepare: (s: Int16Array, k: number) => suppressNoise(noisy(s, k)) },
  ];
  const rows: BenchRow[] = [];
  let printMs = 0;
  let printSeconds = 0;
  for (const set of sets) {
    for (const condition of conditions) {
      const prints = new Map<Clip, VoicePrint>();
      for (const [k, clip] of set.clips.entries()) {
        const samples = await condition.prepare(clip.samples, k);
        const t0 = performance.now();
        prints.set(clip, voicePrint({ samples, sampleRate: 16000 }));
        printMs += performance.now() - t0;
        printSeconds += samples.length / 16000;
      }
      for (const method of methods) {
        const label = `${set.name} (${set.dialogues.length} conversations), ${condition.name}, ${method.name}`;
        rows.push(...rowsOf(label, runSet(prints, set.clips, set.dialogues, method)));
      }
    }
  }
  rows.push({ name: 'voice print time per second of audio', value: printMs / printSeconds, unit: 'ms/s' });
  return rows;
}
