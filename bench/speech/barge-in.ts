import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SileroVad } from '@visemo/speech';
import {
  type BargeInRule,
  type EchoOutcome,
  runSpeechOverEcho,
  type SpeechOverEcho,
  trimSilence,
} from '../../packages/server/test/support/speech-over-echo.js';
import type { EchoPath } from '../../packages/speech/test/support/echo-mix.js';
import {
  fliteSpeech,
  hasFliteCli,
  POCKETSPHINX_DATA,
  readRaw16,
} from '../../packages/speech/test/support/speech-fixtures.js';
import { type BenchRow, percentile } from '../table.js';

/**
 * Barge-in on loudspeakers: the agent's reply heard back by the microphone over a grid of echo
 * delays and levels, alone, with a person interrupting, and with a backchannel, through the
 * listening stage with the Silero VAD under the current rule (any VAD start stops the reply) and
 * the echo-aware one, side by side in one run. The recognizer hears no words (as the embedded
 * grammar recognizer for "yeah"): backchannels are told by their length alone.
 */

const DELAYS_MS = [40, 120, 250];
const LEVELS_DB = [-20, -12, -6];
/** The person starts talking this far into the reply. */
const OVER_AT_MS = [1200, 3000];
/** The interruption's level relative to the reply: close to the mic, and quieter. */
const SPEAKER_LEVELS_DB = [0, -6];

const REPLIES = [
  {
    voice: 'slt',
    text: 'Your order left our warehouse this morning and should arrive on Thursday. You can follow it with the link in your email, or ask me again later.',
  },
  {
    voice: 'awb',
    text: 'We are open from nine in the morning until five in the evening on weekdays, and from ten until four on Saturdays. On Sundays the shop is closed.',
  },
];

interface Tally {
  runs: number;
  stopped: number;
  ducked: number;
  /** Interruptions: the reply was stopped by the echo before the person spoke. */
  early: number;
  stopMs: number[];
  duckMs: number[];
}

const tally = (): Tally => ({ runs: 0, stopped: 0, ducked: 0, early: 0, stopMs: [], duckMs: [] });

function count(t: Tally, o: EchoOutcome, overAtMs: number | null, playsUntilMs: number): void {
  t.runs++;
  const stopped = o.stoppedAtMs !== null && o.stoppedAtMs <= playsUntilMs;
  if (overAtMs === null) {
    if (stopped) t.stopped++;
    if (o.duckedAtMs !== null) t.ducked++;
    return;
  }
  if (stopped && (o.stoppedAtMs as number) < overAtMs) t.early++;
  else if (stopped) {
    t.stopped++;
    t.stopMs.push((o.stoppedAtMs as number) - overAtMs);
  }
  if (o.duckedAtMs !== null && o.duckedAtMs >= overAtMs) {
    t.ducked++;
    t.duckMs.push(o.duckedAtMs - overAtMs);
  }
}

const pct = (n: number, of: number) => (of === 0 ? Number.NaN : Math.round((n / of) * 1000) / 10);

export async function benchBargeIn(quick: boolean): Promise<BenchRow[]> {
  if (!hasFliteCli()) throw new Error('needs the flite command (Debian package flite)');
  const replies = (quick ? REPLIES.slice(0, 1) : REPLIES).map((r) => fliteSpeech(r.text, r.voice));
  const interruptions = [
    { name: 'flite rms', samples: fliteSpeech('no wait, I want to cancel it', 'rms') },
    { name: 'flite kal', samples: fliteSpeech('actually, can you check my other order', 'kal') },
  ];
  const recording = join(POCKETSPHINX_DATA, 'goforward.raw');
  if (existsSync(recording)) interruptions.push({ name: 'recorded', samples: readRaw16(recording) });
  // Flite says "mm hmm" in 1.1 s, longer than anyone does: "uh huh" stands in for it.
  const backchannels = [
    fliteSpeech('yeah', 'rms'),
    fliteSpeech('okay', 'kal'),
    fliteSpeech('right', 'slt'),
    fliteSpeech('uh huh', 'awb'),
  ].map(trimSilence);
  const paths: EchoPath[] = (quick ? [40, 250] : DELAYS_MS).flatMap((delayMs) =>
    LEVELS_DB.map((levelDb) => ({ delayMs, levelDb })),
  );
  const headphones: EchoPath = { delayMs: 0, levelDb: Number.NEGATIVE_INFINITY };
  const rules: BargeInRule[] = ['vad', 'echo-aware'];
  const results = new Map<string, Tally>();
  const of = (key: string) => {
    const t = results.get(key) ?? tally();
    results.set(key, t);
    return t;
  };
  const cpu = new Map<BargeInRule, { ms: number; audioMs: number }>();
  for (const rule of rules) {
    const run = (scenario: SpeechOverEcho) => {
      const started = performance.now();
      const outcome = runSpeechOverEcho(rule, scenario, new SileroVad());
      const c = cpu.get(rule) ?? { ms: 0, audioMs: 0 };
      c.ms += performance.now() - started;
      c.audioMs += (scenario.reply.length / 16000) * 1000 + 1500;
      cpu.set(rule, c);
      return outcome;
    };
    for (const reply of replies) {
      const playsUntil = (path: EchoPath) => (reply.length / 16000) * 1000 + Math.max(0, path.delayMs);
      for (const path of [...paths, headphones]) {
        const where = path === headphones ? 'headphones' : 'echo';
        if (path !== headphones)
          count(of(`${rule}|echo alone`), run({ reply, path }), null, playsUntil(path));
        for (const atMs of OVER_AT_MS) {
          for (const person of interruptions)
            for (const levelDb of SPEAKER_LEVELS_DB) {
              const speech = { samples: person.samples, atMs, levelDb, words: '' };
              const outcome = run({ reply, path, speech });
              count(of(`${rule}|${where}|interruption ${levelDb} dB`), outcome, atMs, playsUntil(path));
            }
          for (const samples of backchannels) {
            const outcome = run({ reply, path, speech: { samples, atMs, levelDb: 0, words: '' } });
            count(of(`${rule}|${where}|backchannel`), outcome, atMs, playsUntil(path));
          }
        }
      }
    }
  }
  const rows: BenchRow[] = [];
  const label = (rule: BargeInRule) => (rule === 'vad' ? 'VAD only' : 'echo-aware');
  for (const rule of rules) {
    const alone = of(`${rule}|echo alone`);
    rows.push({
      name: `${label(rule)} · false barge-in: the reply stopped by its own echo (${alone.runs} runs)`,
      value: pct(alone.stopped, alone.runs),
      unit: '%',
    });
    if (rule === 'echo-aware')
      rows.push({
        name: `${label(rule)} · the reply ducked by its own echo`,
        value: pct(alone.ducked, alone.runs),
        unit: '%',
      });
    for (const where of ['echo', 'headphones'])
      for (const levelDb of SPEAKER_LEVELS_DB) {
        const t = of(`${rule}|${where}|interruption ${levelDb} dB`);
        const missed = t.runs - t.stopped - t.early;
        const context = `${where === 'echo' ? 'over the echo' : 'headphones, no echo'}, person at ${levelDb} dB`;
        rows.push({
          name: `${label(rule)} · missed barge-in, ${context} (${t.runs} runs)`,
          value: pct(missed, t.runs),
          unit: '%',
        });
        if (t.early > 0)
          rows.push({
            name: `${label(rule)} · stopped by the echo before the person spoke, ${context}`,
            value: pct(t.early, t.runs),
            unit: '%',
          });
        // No latency where the echo had always stopped the reply before the person spoke.
        if (t.stopMs.length > 0)
          rows.push({
            name: `${label(rule)} · stop latency p50 / p95, ${context}`,
            value: percentile(t.stopMs, 50),
            unit: `ms / ${Math.round(percentile(t.stopMs, 95))} ms`,
          });
        if (rule === 'echo-aware')
          rows.push({
            name: `${label(rule)} · duck latency (voice down) p50 / p95, ${context}`,
            value: percentile(t.duckMs, 50),
            unit: `ms / ${Math.round(percentile(t.duckMs, 95))} ms`,
          });
      }
    for (const where of ['echo', 'headphones']) {
      const t = of(`${rule}|${where}|backchannel`);
      rows.push({
        name: `${label(rule)} · backchannel stopped the reply, ${where === 'echo' ? 'over the echo' : 'headphones'} (${t.runs} runs)`,
        value: pct(t.stopped + t.early, t.runs),
        unit: '%',
      });
    }
    const c = cpu.get(rule);
    if (c)
      rows.push({
        name: `${label(rule)} · listening CPU (VAD${rule === 'vad' ? '' : ' + echo canceller'}) per second of audio`,
        value: Math.round((c.ms / (c.audioMs / 1000)) * 10) / 10,
        unit: 'ms',
      });
  }
  return rows;
}
