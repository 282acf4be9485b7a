import { fileURLToPath } from 'node:url';
import { loadAgent } from '@visemo/dialogue';
import { agentRecognizerOptions } from '@visemo/server';
import { FLITE_VOICES, FliteSynthesizer, GrammarRecognizer } from '@visemo/speech';
import type { BenchRow } from '../table.js';

/**
 * Does sharing pooled decoders between sessions change what is understood? The same recordings
 * (the support agent's questions, one Flite voice per session, as a person has one voice) are
 * recognized by the agent's own recognizer one session at a time, and by sessions that speak at
 * once, their 20 ms chunks interleaved, on a pool of 8 warm decoders (`visemo serve --speakers 8`),
 * with and without speaker ids. All in one thread and in a fixed order, so the numbers depend on
 * decoder state alone, not on timing or load (docs/decisions/0026-speaker-cepstral-mean.md).
 */

const agentDir = fileURLToPath(new URL('../../examples/support-agent', import.meta.url));
/** The support agent's questions the speech benchmarks say, in four Flite voices. */
export const QUESTIONS = [
  'what are your opening hours',
  'how long does delivery take',
  'which countries do you ship to',
  'i want to return my order',
  'where is my order',
  'my payment failed',
  'how much is shipping',
  'do you have express delivery',
];
export const VOICES = FLITE_VOICES;
const CHUNK = 320;
/** Silence around each recording, as the VAD's pre-roll and hangover give the recognizer. */
export const PAD = 4800;

interface Utterance {
  key: string;
  question: string;
  samples: Int16Array;
}

type Outcome = { question: string; understood: boolean; exact: boolean };

/** Session i: voice i mod 4, the questions from the i-th on, `rounds` times. */
function sessionPlans(recordings: Map<string, Utterance>, sessions: number, rounds: number): Utterance[][] {
  return Array.from({ length: sessions }, (_, i) => {
    const voice = VOICES[i % VOICES.length] as string;
    const plan: Utterance[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < QUESTIONS.length; k++) {
        plan.push(recordings.get(`${voice}|${QUESTIONS[(i + k + r) % QUESTIONS.length]}`) as Utterance);
      }
    }
    return plan;
  });
}

function outcome(u: Utterance, t: { text: string; understood: boolean }): Outcome {
  return { question: u.question, understood: t.understood, exact: t.understood && t.text === u.question };
}

/** One session after another on a single decoder: each session's utterances in a row. */
async function oneAtATime(recognizer: GrammarRecognizer, plans: Utterance[][]): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const [i, plan] of plans.entries()) {
    for (const u of plan) {
      const stream = recognizer.start({ speaker: `session-${i}` });
      for (let at = 0; at < u.samples.length; at += CHUNK) stream.write(u.samples.subarray(at, at + CHUNK));
      out.push(outcome(u, await stream.finish()));
    }
  }
  return out;
}

/**
 * All sessions at once: a 20 ms chunk of each speaking session in turn, a pause of 0.4–1.2 s
 * between one session's utterances, starts staggered, so streams begin and end at different moments
 * and borrow whichever decoder is free.
 */
async function together(
  recognizer: GrammarRecognizer,
  plans: Utterance[][],
  speakers: boolean,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const sessions = plans.map((plan, i) => ({
    plan,
    next: 0,
    // Negative: chunks of silence still to wait.
    at: -i * 7 * CHUNK,
    stream: null as ReturnType<GrammarRecognizer['start']> | null,
    speaker: `session-${i}`,
  }));
  for (;;) {
    let live = false;
    for (const s of sessions) {
      if (s.next >= s.plan.length) continue;
      live = true;
      if (s.at < 0) {
        s.at += CHUNK;
        continue;
      }
      const u = s.plan[s.next] as Utterance;
      s.stream ??= recognizer.start(speakers ? { speaker: s.speaker } : {});
      s.stream.write(u.samples.subarray(s.at, s.at + CHUNK));
      s.at += CHUNK;
      if (s.at >= u.samples.length) {
        // Awaited here, as the session would: the decoder is back in the pool before anyone goes on.
        out.push(outcome(u, await s.stream.finish()));
        s.stream = null;
        s.at = -CHUNK * (20 + ((s.next * 13) % 40));
        s.next++;
      }
    }
    if (!live) return out;
  }
}

export async function benchAsrSessions(quick: boolean): Promise<BenchRow[]> {
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  const sessions = quick ? 4 : 10;
  const rounds = quick ? 1 : 3;
  const { spec } = await loadAgent(agentDir);
  const flite = new FliteSynthesizer();
  const recordings = new Map<string, Utterance>();
  for (const voice of VOICES) {
    for (const question of QUESTIONS) {
      const { samples } = (await flite.synthesize({ text: question, voice })).audio;
      const padded = new Int16Array(samples.length + 2 * PAD);
      padded.set(samples, PAD);
      recordings.set(`${voice}|${question}`, { key: `${voice}|${question}`, question, samples: padded });
    }
  }
  await flite.close();
  const plans = sessionPlans(recordings, sessions, rounds);
  const options = agentRecognizerOptions(spec);
  const setups: [string, () => Promise<Outcome[]>][] = [
    [
      'one session at a time, one decoder',
      async () => {
        const recognizer = await GrammarRecognizer.create({ ...options, maxDecoders: 1 });
        try {
          return await oneAtATime(recognizer, plans);
        } finally {
          recognizer.close();
        }
      },
    ],
    ...[false, true].map((speakers): [string, () => Promise<Outcome[]>] => [
      `${sessions} at once on 8 pooled decoders, ${speakers ? 'each speaker’s own cepstral mean' : 'the mean of whoever spoke last'}`,
      async () => {
        const recognizer = await GrammarRecognizer.create({ ...options, warmDecoders: 8 });
        try {
          return await together(recognizer, plans, speakers);
        } finally {
          recognizer.close();
        }
      },
    ]),
  ];
  const rows: BenchRow[] = [];
  const n = plans.flat().length;
  for (const [name, run] of setups) {
    progress(`${name}: ${n} utterances…`);
    const results = await run();
    const share = (pred: (o: Outcome) => boolean, of = results) =>
      (100 * of.filter(pred).length) / Math.max(1, of.length);
    rows.push(
      { name: `${name} · understood (${n})`, value: share((o) => o.understood), unit: '%' },
      { name: `${name} · word for word (${n})`, value: share((o) => o.exact), unit: '%' },
    );
    for (const question of ['how long does delivery take', 'which countries do you ship to']) {
      const asked = results.filter((o) => o.question === question);
      rows.push({
        name: `${name} · "${question}" understood (${asked.length})`,
        value: share((o) => o.understood, asked),
        unit: '%',
      });
    }
  }
  return rows;
}
