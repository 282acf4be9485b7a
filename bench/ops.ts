import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createNlu } from '@visemo/nlu';
import {
  ConversationSession,
  createEmbeddedRuntime,
  FlagFileProvider,
  type ServerEvent,
  type SessionContext,
  SessionFlags,
  Tracing,
  type TurnRecord,
} from '@visemo/server';
import { type BenchRow, percentile } from './table.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));
const TEXTS = [
  'what are your opening hours',
  'how much is shipping to france',
  'can i pay with paypal',
  'thanks',
];

/** A spoken turn's record as a session makes it: every hop, the providers. */
function spokenRecord(turnId: number, at: number): TurnRecord {
  return {
    sessionId: '7d1f0c2e-0000-4000-8000-000000000000',
    turnId,
    input: 'speech',
    user: { text: 'where is my order', confidence: 0.8, understood: true },
    nlu: { intent: 'order_status', confidence: 0.91, entities: [] },
    answeredBy: 'flow',
    fullReplyText: 'Sure, what is your order number?',
    spokenText: 'Sure, what is your order number?',
    interrupted: false,
    latency: {
      asrFinalMs: 38,
      nluMs: 0.4,
      dialogueMs: 0.9,
      ttsFirstAudioMs: 61,
      speechEndToFirstAudioMs: 104,
    },
    marks: {
      inputEndedAt: at,
      transcriptAt: at + 38,
      nluAt: at + 38.4,
      firstTextAt: at + 39.3,
      firstAudioAt: at + 104,
      lastAudioAt: at + 900,
      endedAt: at + 901,
    },
    providers: { asr: 'soundswallower-grammar', tts: 'flite', notices: [] },
    endedSession: false,
  };
}

/**
 * µs per call of `run`: `count` calls in five batches after a warm-up, the median batch's mean (the
 * machine is shared: one slow batch does not move it).
 */
async function microseconds(count: number, run: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(1000, count); i++) await run(i);
  const batch = Math.ceil(count / 5);
  const means: number[] = [];
  for (let b = 0; b < 5; b++) {
    const started = performance.now();
    for (let i = b * batch; i < (b + 1) * batch; i++) await run(i);
    means.push(((performance.now() - started) * 1000) / batch);
  }
  return percentile(means, 50);
}

/** flagd definitions for the five capabilities: rollouts by percentage and a segment. */
const FLAGS = {
  flags: Object.fromEntries(
    ['renderer3d', 'expressions', 'handsFree', 'llmFallback', 'memory'].map((name, i) => [
      name,
      {
        state: 'ENABLED',
        variants: { enabled: true, disabled: false },
        defaultVariant: 'disabled',
        targeting:
          i === 4
            ? { if: [{ in: [{ var: 'origin' }, ['https://staff.example.org']] }, 'enabled', 'disabled'] }
            : {
                fractional: [
                  ['enabled', 10 + i * 20],
                  ['disabled', 90 - i * 20],
                ],
              },
      },
    ]),
  ),
};

/**
 * What operations cost a turn and a session: making a turn's trace (its spans into the recent
 * ring and an in-memory exporter, as an OTLP exporter's batch would take them), a text turn
 * through a session with and without tracing, and one session's flag evaluation through
 * OpenFeature with the flagd file provider; and how long a rollback of the NLU takes to apply
 * (training the version again).
 */
export async function benchOps(quick = false): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const spanTurns = quick ? 5000 : 20_000;

  const exporter = new InMemorySpanExporter();
  const traced = new Tracing({ env: {}, processors: [new SimpleSpanProcessor(exporter)] });
  const session = traced.forSession({ agent: 'support-agent' });
  const spanUs = await microseconds(spanTurns, (i) => {
    session.turn(spokenRecord(i, 1000 + i));
    session.clientTiming({ type: 'client.timing', turnId: i, firstSampleAtMs: 40, firstVisemeAtMs: 45 });
    if (i % 1000 === 999) exporter.reset();
  });
  await traced.shutdown();
  rows.push({
    name: "a spoken turn's trace (8 spans: ring + in-memory exporter)",
    value: spanUs,
    unit: 'µs/turn',
  });
  const ringOnly = new Tracing({ env: {} });
  const ringSession = ringOnly.forSession();
  const ringUs = await microseconds(spanTurns, (i) => ringSession.turn(spokenRecord(i, 1000 + i)));
  rows.push({
    name: "a spoken turn's trace (6 spans: recent-traces ring only)",
    value: ringUs,
    unit: 'µs/turn',
  });
  const json = performance.now();
  const body = JSON.stringify(ringOnly.recent.otlpJson());
  rows.push({ name: 'GET /v1/admin/traces body, 200 turns', value: body.length / 1024, unit: 'KiB' });
  rows.push({ name: 'serializing it as OTLP/JSON', value: performance.now() - json, unit: 'ms' });
  await ringOnly.shutdown();

  // Text turns through a session, the same agent, with and without a tracer on its turns.
  const { runtime, agent, close } = await createEmbeddedRuntime(agentDir, { speechInput: false });
  const sessionTracing = new Tracing({
    env: {},
    processors: [new SimpleSpanProcessor(new InMemorySpanExporter())],
  });
  const turns = quick ? 100 : 400;
  const timings = { warmup: [] as number[], plain: [] as number[], traced: [] as number[] };
  // A warm-up first (every reply sentence synthesized once, then from the cache), then the two
  // modes in turns, so neither is measured on a colder process.
  for (const mode of ['warmup', 'plain', 'traced', 'plain', 'traced'] as const) {
    let resolveTurn: (() => void) | null = null;
    const tracer = sessionTracing.forSession();
    const conversation = new ConversationSession(
      runtime,
      {
        sendEvent: (event: ServerEvent) => {
          JSON.stringify(event);
          if (event.type === 'turn.end') resolveTurn?.();
        },
        sendAudio: () => {},
        close: () => {},
      },
      mode === 'traced' ? { onTurn: (record) => tracer.turn(record) } : {},
    );
    conversation.handleText(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
    for (let i = 0; i < turns / 2; i++) {
      const done = new Promise<void>((r) => {
        resolveTurn = r;
      });
      const started = performance.now();
      conversation.handleText(JSON.stringify({ type: 'text', text: TEXTS[i % TEXTS.length] }));
      await done;
      timings[mode].push(performance.now() - started);
    }
    conversation.close();
  }
  await sessionTracing.shutdown();
  rows.push(
    {
      name: 'text turn (typed → turn.end, sentences from the cache), without tracing, p50',
      value: percentile(timings.plain, 50),
      unit: 'ms',
    },
    { name: 'text turn, with tracing, p50', value: percentile(timings.traced, 50), unit: 'ms' },
    {
      name: 'tracing overhead per text turn (difference of p50s)',
      value: (percentile(timings.traced, 50) - percentile(timings.plain, 50)) * 1000,
      unit: 'µs',
    },
  );

  // Flags: one evaluation of the five capabilities per session.
  const evaluations = quick ? 5000 : 20_000;
  const context = (i: number): SessionContext => ({
    targetingKey: `s_subject${i}`,
    agent: 'support-agent',
    language: 'en-US',
    subject: 'known',
    origin: i % 10 === 0 ? 'https://staff.example.org' : 'https://shop.example.org',
  });
  const fileFlags = await SessionFlags.open({ provider: FlagFileProvider.fromDefinitions(FLAGS) });
  rows.push({
    name: "a session's flags (5, flagd file provider, fractional + segment)",
    value: await microseconds(evaluations, (i) => fileFlags.evaluate(context(i))),
    unit: 'µs/session',
  });
  await fileFlags.close();
  const noFlags = await SessionFlags.open({});
  rows.push({
    name: "a session's flags without a provider (defaults)",
    value: await microseconds(evaluations, (i) => noFlags.evaluate(context(i))),
    unit: 'µs/session',
  });
  await noFlags.close();

  // A rollback or promotion of an NLU version this process has not trained yet trains it once.
  const { spec } = agent;
  const trainings: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const started = performance.now();
    createNlu(spec);
    trainings.push(performance.now() - started);
  }
  rows.push({
    name: 'NLU version made ready for new sessions (training, support agent), p50',
    value: percentile(trainings, 50),
    unit: 'ms',
  });
  await close();
  return rows;
}
