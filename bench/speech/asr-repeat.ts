import { fileURLToPath } from 'node:url';
import { loadAgent } from '@visemo/dialogue';
import { agentRecognizerOptions } from '@visemo/server';
import { FliteSynthesizer, GrammarRecognizer, type GrammarRecognizerOptions } from '@visemo/speech';
import type { BenchRow } from '../table.js';
import { PAD, QUESTIONS, VOICES } from './asr-sessions.js';

/**
 * Does the same recording get the same answer when a visitor says it again? Each recording (the
 * support agent's questions of asr-sessions.ts in four Flite voices, through three channels) is said three times in a
 * row by a new speaker, right after another caller on another channel used the same decoder (a
 * pool of one), as on a busy server. A recording is inconsistent when its three tries do not all
 * give the same transcript. The recognizer with and without its second decode of a miss from the
 * utterance's own cepstral mean (`redecodeMisses`), and starting every utterance from the model's
 * own mean (`cepstralMean: 'fixed'`), which makes the answer depend on the audio alone.
 */

const agentDir = fileURLToPath(new URL('../../examples/support-agent', import.meta.url));
const TRIES = 3;
const CHUNK = 320;

type Channel = { name: string; apply: (samples: Int16Array) => Int16Array };

/** A first-order low-pass at `hz` then a high-pass at `lowHz`: a narrow, telephone-like band. */
function band(samples: Int16Array, lowHz: number, hz: number, gain: number): Int16Array {
  const rate = 16000;
  const a = Math.exp((-2 * Math.PI * hz) / rate);
  const b = Math.exp((-2 * Math.PI * lowHz) / rate);
  const out = new Int16Array(samples.length);
  let low = 0;
  let prevIn = 0;
  let high = 0;
  for (let i = 0; i < samples.length; i++) {
    low = (1 - a) * (samples[i] as number) + a * low;
    high = b * (high + low - prevIn);
    prevIn = low;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(high * gain)));
  }
  return out;
}

const CHANNELS: Channel[] = [
  { name: 'as synthesized', apply: (s) => s },
  { name: 'quiet (-14 dB)', apply: (s) => s.map((v) => Math.round(v * 0.2)) },
  { name: 'telephone band', apply: (s) => band(s, 300, 3400, 1.6) },
];

interface Recording {
  question: string;
  voice: string;
  channel: number;
  samples: Int16Array;
}

async function recognize(recognizer: GrammarRecognizer, samples: Int16Array, speaker: string) {
  const stream = recognizer.start({ speaker });
  for (let at = 0; at < samples.length; at += CHUNK) stream.write(samples.subarray(at, at + CHUNK));
  return stream.finish();
}

interface Tally {
  recordings: number;
  inconsistent: number;
  understoodFirst: number;
  understoodLast: number;
  tries: number;
  cpuMs: number;
}

async function run(recognizer: GrammarRecognizer, recordings: Recording[]): Promise<Tally> {
  const tally: Tally = {
    recordings: 0,
    inconsistent: 0,
    understoodFirst: 0,
    understoodLast: 0,
    tries: 0,
    cpuMs: 0,
  };
  for (const [i, recording] of recordings.entries()) {
    // The caller before: another voice on another channel, on the same decoder.
    const before = recordings[(i * 7 + 5) % recordings.length] as Recording;
    await recognize(recognizer, before.samples, `caller-${i}`);
    const heard: string[] = [];
    for (let t = 0; t < TRIES; t++) {
      const started = process.cpuUsage();
      const transcript = await recognize(recognizer, recording.samples, `visitor-${i}`);
      const used = process.cpuUsage(started);
      tally.cpuMs += (used.user + used.system) / 1000;
      tally.tries++;
      heard.push(transcript.understood ? transcript.text : '(not understood)');
      if (transcript.understood && t === 0) tally.understoodFirst++;
      if (transcript.understood && t === TRIES - 1) tally.understoodLast++;
    }
    tally.recordings++;
    if (new Set(heard).size > 1) tally.inconsistent++;
  }
  return tally;
}

export async function benchAsrRepeat(quick: boolean): Promise<BenchRow[]> {
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  const { spec } = await loadAgent(agentDir);
  const flite = new FliteSynthesizer();
  const recordings: Recording[] = [];
  const voices = quick ? VOICES.slice(0, 2) : VOICES;
  for (const voice of voices) {
    for (const question of QUESTIONS) {
      const { samples } = (await flite.synthesize({ text: question, voice })).audio;
      const padded = new Int16Array(samples.length + 2 * PAD);
      padded.set(samples, PAD);
      CHANNELS.forEach((channel, c) => {
        recordings.push({ question, voice, channel: c, samples: channel.apply(padded) });
      });
    }
  }
  await flite.close();
  const rows: BenchRow[] = [];
  const n = recordings.length;
  const setups: [string, Partial<GrammarRecognizerOptions>][] = [
    ["the speaker's last mean, one decode", { redecodeMisses: false }],
    ["the speaker's last mean, a miss decoded again from its own (default)", { redecodeMisses: true }],
    ["the model's mean every time, a miss decoded again", { cepstralMean: 'fixed', redecodeMisses: true }],
  ];
  for (const [name, setup] of setups) {
    progress(`${name}: ${n} recordings × ${TRIES} tries…`);
    const recognizer = await GrammarRecognizer.create({
      ...agentRecognizerOptions(spec),
      maxDecoders: 1,
      ...setup,
    });
    try {
      const t = await run(recognizer, recordings);
      rows.push(
        {
          name: `${name} · recordings whose ${TRIES} tries differ (${n})`,
          value: (100 * t.inconsistent) / t.recordings,
          unit: '%',
        },
        {
          name: `${name} · understood at the first try`,
          value: (100 * t.understoodFirst) / t.recordings,
          unit: '%',
        },
        {
          name: `${name} · understood at the third try`,
          value: (100 * t.understoodLast) / t.recordings,
          unit: '%',
        },
        { name: `${name} · CPU per try`, value: t.cpuMs / t.tries, unit: 'ms' },
      );
    } finally {
      recognizer.close();
    }
  }
  return rows;
}
