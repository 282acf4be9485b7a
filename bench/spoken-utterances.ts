import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IntentClassifier } from '@visemo/core';
import { loadAgent } from '@visemo/dialogue';
import { createNlu } from '@visemo/nlu';
import { agentRecognizerOptions } from '@visemo/server';
import { FliteSynthesizer, GrammarRecognizer, spokenForm } from '@visemo/speech';
import { parse } from 'yaml';
import { wordErrors } from '../packages/speech/test/support/speech-fixtures.js';
import type { BenchRow } from './table.js';

/**
 * Spoken held-out utterances: each example agent's `tests/utterances.yaml` said by the four Flite
 * voices, recognized with the agent's own domain grammar as the embedded runtime builds it, and the
 * transcript classified by the agent's NLU. It measures what the grammar lets through for the way
 * callers put things, not the examples verbatim.
 */

const AGENTS = ['support-agent', 'clinic-front-desk'];
const VOICES = ['slt', 'rms', 'awb', 'kal'];
/** 20 ms, as the server receives audio. */
const CHUNK = 320;
const SAMPLE_RATE = 16000;

interface HeldOut {
  intents: Record<string, string[]>;
  out_of_scope: string[];
  knowledge: { question: string; source: string }[];
}

type Kind = 'intent' | 'out_of_scope' | 'knowledge';

export interface SpokenUtterance {
  kind: Kind;
  voice: string;
  /** What the voice said, as words. */
  said: string;
  /** The intent it should reach; null for out-of-scope and knowledge questions. */
  expected: string | null;
  /** The recognizer's transcript ('' when not understood). */
  heard: string;
  understood: boolean;
  /** The NLU's intent for the transcript, null when not understood or out of scope. */
  intent: string | null;
  /** The NLU's intent for the text itself, as if typed. */
  typedIntent: string | null;
}

export interface SpokenMeasurement {
  agent: string;
  utterances: SpokenUtterance[];
  /** CPU seconds of decoding (write and finish, this thread) per second of audio. */
  cpuPerAudioSecond: number;
}

/** The held-out utterances of an example agent, each with its kind and expected intent. */
async function heldOutUtterances(dir: string) {
  const heldOut = parse(await readFile(path.join(dir, 'tests/utterances.yaml'), 'utf8')) as HeldOut;
  return [
    ...Object.entries(heldOut.intents).flatMap(([intent, texts]) =>
      texts.map((text) => ({ kind: 'intent' as Kind, text, expected: intent as string | null })),
    ),
    ...heldOut.out_of_scope.map((text) => ({ kind: 'out_of_scope' as Kind, text, expected: null })),
    ...heldOut.knowledge.map((k) => ({ kind: 'knowledge' as Kind, text: k.question, expected: null })),
  ];
}

/** The transcript of `samples` fed in 20 ms writes, and the CPU microseconds decoding took. */
async function decode(recognizer: GrammarRecognizer, samples: Int16Array) {
  const before = process.cpuUsage();
  const stream = recognizer.start();
  for (let i = 0; i < samples.length; i += CHUNK) stream.write(samples.subarray(i, i + CHUNK));
  const transcript = await stream.finish();
  const used = process.cpuUsage(before);
  return { transcript, cpuMicros: used.user + used.system };
}

export async function measureSpokenUtterances(
  agent: string,
  options: { voices?: string[]; onProgress?: (line: string) => void } = {},
): Promise<SpokenMeasurement> {
  const voices = options.voices ?? VOICES;
  const progress = options.onProgress ?? (() => {});
  const dir = fileURLToPath(new URL(`../examples/${agent}`, import.meta.url));
  const { spec } = await loadAgent(dir);
  const nlu: IntentClassifier = createNlu(spec);
  const items = await heldOutUtterances(dir);
  progress(`${agent}: compiling the grammar`);
  // The recognizer the embedded runtime builds for the agent, on this thread.
  const recognizer = await GrammarRecognizer.create(agentRecognizerOptions(spec));
  const flite = new FliteSynthesizer({ defaultVoice: 'slt' });
  const utterances: SpokenUtterance[] = [];
  let cpuMicros = 0;
  let audioSamples = 0;
  try {
    for (const voice of voices) {
      progress(`${agent}: ${items.length} utterances, voice ${voice}`);
      for (const item of items) {
        const said = spokenForm(item.text);
        const { audio } = await flite.synthesize({ text: said, voice });
        const { transcript: t, cpuMicros: used } = await decode(recognizer, audio.samples);
        cpuMicros += used;
        audioSamples += audio.samples.length;
        utterances.push({
          kind: item.kind,
          voice,
          said,
          expected: item.expected,
          heard: t.text,
          understood: t.understood,
          intent: t.understood ? nlu.classify(t.text).intent : null,
          typedIntent: nlu.classify(item.text).intent,
        });
      }
    }
  } finally {
    recognizer.close();
    await flite.close();
  }
  return { agent, utterances, cpuPerAudioSecond: cpuMicros / 1e6 / (audioSamples / SAMPLE_RATE) };
}

/** The table rows for one agent's measurement. */
export function spokenRows(m: SpokenMeasurement): BenchRow[] {
  const share = (part: number, whole: number) => (whole ? (100 * part) / whole : Number.NaN);
  const ofKind = (kind: Kind) => m.utterances.filter((u) => u.kind === kind);
  const intents = ofKind('intent');
  const accepted = intents.filter((u) => u.understood);
  const words = accepted.reduce((n, u) => n + u.said.split(' ').length, 0);
  const errors = accepted.reduce((n, u) => n + wordErrors(u.said, u.heard), 0);
  // What matters outside the intents is that no intent answers: rejected, or no intent for the transcript.
  const notAnswered = (kind: Kind) => ofKind(kind).filter((u) => u.intent === null).length;
  const name = (what: string, n: number) => `${m.agent}: ${what} (${n})`;
  return [
    {
      name: name('held-out intents spoken: reach their intent', intents.length),
      value: share(intents.filter((u) => u.intent === u.expected).length, intents.length),
      unit: '%',
    },
    {
      name: name('held-out intents typed: reach their intent (NLU alone)', intents.length),
      value: share(intents.filter((u) => u.typedIntent === u.expected).length, intents.length),
      unit: '%',
    },
    {
      name: name('held-out intents spoken: understood by the recognizer', intents.length),
      value: share(accepted.length, intents.length),
      unit: '%',
    },
    {
      name: name('held-out intents spoken: word accuracy of understood transcripts', accepted.length),
      value: words ? 100 * (1 - errors / words) : Number.NaN,
      unit: '%',
    },
    {
      name: name('out-of-scope spoken: rejected or no intent', ofKind('out_of_scope').length),
      value: share(notAnswered('out_of_scope'), ofKind('out_of_scope').length),
      unit: '%',
    },
    {
      name: name('out-of-scope spoken: rejected by the recognizer', ofKind('out_of_scope').length),
      value: share(ofKind('out_of_scope').filter((u) => !u.understood).length, ofKind('out_of_scope').length),
      unit: '%',
    },
    {
      name: name('knowledge questions spoken: no intent answers', ofKind('knowledge').length),
      value: share(notAnswered('knowledge'), ofKind('knowledge').length),
      unit: '%',
    },
    { name: `${m.agent}: ASR CPU per second of audio`, value: m.cpuPerAudioSecond, unit: 's' },
  ];
}

/** For the benchmark runner: both example agents, four voices (two with `quick`). */
export async function benchSpokenUtterances(quick: boolean): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const agent of AGENTS) {
    const m = await measureSpokenUtterances(agent, {
      voices: quick ? VOICES.slice(0, 2) : VOICES,
      onProgress: (line) => process.stderr.write(`  ${line}\n`),
    });
    rows.push(...spokenRows(m));
  }
  return rows;
}
