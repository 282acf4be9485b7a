import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderWaterfall } from '@visemo/server';
import { FliteSynthesizer } from '@visemo/speech';
import { benchSessions, type SpokenQuestion } from './session-load.js';
import type { BenchRow } from './table.js';
import { recordUsage, type SetupUsage } from './usage-file.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));

/** Questions of the support agent's domain, each with the intent it must reach. */
const QUESTIONS: [string, string][] = [
  ['what are your opening hours', 'opening_hours'],
  ['how much does shipping cost', 'shipping_costs'],
  ['i want to return my order', 'returns'],
  ['where is my order', 'order_status'],
  ['my payment failed', 'payment_problem'],
  ['talk to a human', 'talk_to_human'],
];
const VOICES = ['slt', 'rms', 'awb', 'kal'];
/** Beside bench-results.md; docs/latency-waterfall.svg is a copy from a full run. */
const WATERFALL_FILE = 'bench-waterfall.svg';

export async function benchVoiceSessions(quick: boolean): Promise<BenchRow[]> {
  const flite = new FliteSynthesizer();
  // The lone caller asks each question in every voice: 24 turns, not 6, behind its percentiles.
  const everyVoice: SpokenQuestion[] = [];
  for (const voice of VOICES)
    for (const [text, intent] of QUESTIONS)
      everyVoice.push({ text, intent, audio: (await flite.synthesize({ text, voice })).audio });
  await flite.close();
  // The others ask every question once, the voices taking turns: question i in voice i mod 4.
  const questions = QUESTIONS.map(
    (_, i) => everyVoice[(i % VOICES.length) * QUESTIONS.length + i] as SpokenQuestion,
  );
  const perCaller = quick ? questions.slice(0, 3) : questions;
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  // Every sentence synthesized anew: the cost of answers the server has not said before.
  const cold = (asked: SpokenQuestion[], concurrency: number[]) =>
    benchSessions(
      { agentDir, questions: asked, concurrency, serveArgs: ['--tts-cache-mb', '0'], label: '' },
      progress,
    );
  const alone = await cold(quick ? perCaller : everyVoice, [1]);
  const together = await cold(perCaller, quick ? [10] : [10, 25]);
  // As served by default: sentences said before come from the synthesis cache.
  const cached = await benchSessions(
    { agentDir, questions: perCaller, concurrency: [10], serveArgs: [], label: ' (sentence cache)' },
    progress,
  );
  // The 25-session setup stays in the table: on this scale its tail would flatten the others.
  const shown = [...alone.waterfall, ...together.waterfall, ...cached.waterfall].filter(
    (w) => !w.label.startsWith('25 '),
  );
  writeFileSync(
    WATERFALL_FILE,
    renderWaterfall(shown, {
      title: "Voice sessions on the support agent: where a turn's time goes (embedded providers, 2 cores)",
      scaleMs: 300,
      targets: [
        { ms: 150, label: 'p50 target' },
        { ms: 300, label: 'p95 target' },
      ],
    }),
  );
  progress(`latency waterfall written to ${WATERFALL_FILE}`);
  recordUsage({
    sessions: [...alone.usage, ...together.usage, ...cached.usage],
    cpuSecondsPerTurnByHop: hopCpu(alone.usage[0]),
  });
  return [...alone.rows, ...together.rows, ...cached.rows];
}

/**
 * One session alone: the embedded hops compute without waiting, so each hop's median wall time is
 * its CPU time; `rest` is what is left of the turn's CPU (the VAD and the recognizer on incoming
 * audio, the sentences synthesized after the first, the protocol, storage writes).
 */
function hopCpu(alone: SetupUsage | undefined): Record<string, number> | undefined {
  if (!alone) return undefined;
  const hops = Object.fromEntries(
    Object.entries(alone.hopsMsP50)
      .filter(([, ms]) => Number.isFinite(ms))
      .map(([hop, ms]) => [hop.replace(/Ms$/, ''), ms / 1000]),
  );
  const inHops = Object.values(hops).reduce((n, s) => n + s, 0);
  return { ...hops, rest: Math.max(0, alone.cpuSecondsPerTurn - inHops) };
}
