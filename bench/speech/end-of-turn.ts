import { fileURLToPath } from 'node:url';
import type { PcmAudio } from '@visemo/core';
import { loadAgent } from '@visemo/dialogue';
import {
  agentRecognizerOptions,
  type EndOfTurnPauses,
  type ListeningOptions,
  ListeningStage,
  type TurnSignals,
} from '@visemo/server';
import {
  concatSamples,
  createDefaultVad,
  FLITE_VOICES,
  FliteSynthesizer,
  GrammarRecognizer,
} from '@visemo/speech';
import { type BenchRow, percentile } from '../table.js';

/**
 * End of turn beyond a silence timer. Questions of the support agent said by four Flite voices,
 * once straight and once with a pause spliced in mid-sentence ("i want to cancel … my order"),
 * go through the server's listening stage (the default VAD, the agent's own recognizer) under
 * three rules: the silence alone (400 ms), a shorter pause once the recognizer heard a whole
 * phrase (250 ms), and that plus a longer pause (900 ms) after the beginning of a longer phrase
 * unless the voice fell. A false cut-off: the turn ended in the spliced pause. The answer delay:
 * from the end of the speech to the end of the turn, on the questions said straight.
 */

const agentDir = fileURLToPath(new URL('../../examples/support-agent', import.meta.url));
/** Each question and the word after which the pause goes. */
const QUESTIONS: [string, string][] = [
  ['i want to cancel my order', 'cancel'],
  ['i want to return something', 'return'],
  ['can i talk to your manager', 'to'],
  ['how long does it take to ship to austria', 'take'],
  ['which countries do you ship to', 'countries'],
  ['how do i return an item', 'return'],
  ['where is my order', 'is'],
  ['what are your opening hours', 'your'],
];
const VOICES = FLITE_VOICES;
const PAUSES_MS = [500, 800];
const RATE = 16000;
const FRAME = 320;
const LEAD_MS = 300;
const TAIL_MS = 1500;

interface Recording {
  question: string;
  pauseMs: number;
  samples: Int16Array;
  /** Where the pause starts and where the speech ends, in ms from the first sample. */
  pauseAtMs: number;
  speechEndMs: number;
}

/** Each rule as the listening stage takes it: none is the VAD's hangover alone. */
const RULES: { name: string; options: Partial<ListeningOptions> }[] = [
  { name: 'silence only (400 ms)', options: {} },
  {
    name: 'whole phrase → 250 ms (before)',
    options: {
      afterPhraseMs: 250,
      endOfTurn: (s: TurnSignals, p: EndOfTurnPauses) => (s.complete ? p.afterPhraseMs : null),
    },
  },
  {
    name: 'phrase, unfinished phrase → 900 ms, falling pitch (now)',
    options: { afterPhraseMs: 250, unfinishedMs: 900 },
  },
];

function silence(ms: number): Int16Array {
  return new Int16Array((ms / 1000) * RATE);
}

/** The question said straight, and with a pause after `word` (cut between that word and the next). */
function recordings(
  question: string,
  word: string,
  audio: PcmAudio,
  words: { word: string; startMs: number; endMs: number }[],
): Recording[] {
  const speech = audio.samples;
  const lastEnd = words.at(-1)?.endMs ?? (speech.length / RATE) * 1000;
  const out: Recording[] = [
    {
      question,
      pauseMs: 0,
      samples: concatSamples([silence(LEAD_MS), speech, silence(TAIL_MS)]),
      pauseAtMs: Number.POSITIVE_INFINITY,
      speechEndMs: LEAD_MS + lastEnd,
    },
  ];
  const index = words.findIndex((w) => w.word.toLowerCase() === word);
  const after = words[index];
  const next = words[index + 1];
  if (!after || !next) throw new Error(`"${word}" is not followed by a word in "${question}"`);
  const cut = Math.round((((after.endMs + next.startMs) / 2) * RATE) / 1000);
  for (const pauseMs of PAUSES_MS) {
    out.push({
      question,
      pauseMs,
      samples: concatSamples([
        silence(LEAD_MS),
        speech.subarray(0, cut),
        silence(pauseMs),
        speech.subarray(cut),
        silence(TAIL_MS),
      ]),
      pauseAtMs: LEAD_MS + (cut / RATE) * 1000,
      speechEndMs: LEAD_MS + lastEnd + pauseMs,
    });
  }
  return out;
}

/**
 * Feeds a recording frame by frame; answers when the first turn ended, in ms of audio, once every
 * transcript is in (the one decoder is free again for the next recording).
 */
async function firstTurnEnd(stage: ListeningStage, recording: Recording): Promise<number | null> {
  let fed = 0;
  let endedAtMs: number | null = null;
  const transcripts: Promise<unknown>[] = [];
  for (let at = 0; at < recording.samples.length; at += FRAME) {
    const frame = recording.samples.slice(at, at + FRAME);
    fed += frame.length;
    for (const out of stage.push(new Uint8Array(frame.buffer))) {
      if (out.type !== 'utterance') continue;
      endedAtMs ??= (fed / RATE) * 1000;
      transcripts.push(out.transcript);
    }
  }
  await Promise.allSettled(transcripts);
  return endedAtMs;
}

export async function benchEndOfTurn(quick: boolean): Promise<BenchRow[]> {
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  const { spec } = await loadAgent(agentDir);
  const flite = new FliteSynthesizer();
  const all: Recording[] = [];
  for (const voice of quick ? VOICES.slice(0, 2) : VOICES) {
    for (const [question, word] of QUESTIONS) {
      const result = await flite.synthesize({ text: question, voice });
      all.push(...recordings(question, word, result.audio, result.words));
    }
  }
  await flite.close();
  const recognizer = await GrammarRecognizer.create({ ...agentRecognizerOptions(spec), maxDecoders: 1 });
  const rows: BenchRow[] = [];
  try {
    for (const { name, options } of RULES) {
      progress(`${name}: ${all.length} recordings…`);
      const cutOff = new Map<number, number>();
      const paused = new Map<number, number>();
      const delays: number[] = [];
      for (const recording of all) {
        const stage = new ListeningStage({
          vad: await createDefaultVad({ hangoverMs: spec.speech.endOfTurn.otherwiseMs }),
          recognizer,
          inputSampleRate: RATE,
          asrTimeoutMs: 60_000,
          ...options,
        });
        const endedAtMs = await firstTurnEnd(stage, recording);
        stage.close();
        if (recording.pauseMs === 0) {
          if (endedAtMs !== null) delays.push(endedAtMs - recording.speechEndMs);
          continue;
        }
        paused.set(recording.pauseMs, (paused.get(recording.pauseMs) ?? 0) + 1);
        const cut = endedAtMs !== null && endedAtMs < recording.pauseAtMs + recording.pauseMs + 100;
        if (cut) cutOff.set(recording.pauseMs, (cutOff.get(recording.pauseMs) ?? 0) + 1);
      }
      for (const pauseMs of PAUSES_MS) {
        const n = paused.get(pauseMs) ?? 0;
        rows.push({
          name: `${name} · false cut-off, ${pauseMs} ms pause mid-sentence (${n})`,
          value: (100 * (cutOff.get(pauseMs) ?? 0)) / Math.max(1, n),
          unit: '%',
        });
      }
      rows.push({
        name: `${name} · answer delay after a finished question, median (${delays.length})`,
        value: percentile(delays, 50),
        unit: 'ms',
      });
    }
  } finally {
    recognizer.close();
  }
  return rows;
}
