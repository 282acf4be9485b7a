import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerEvent } from '@visemo/server';
import { FliteSynthesizer } from '@visemo/speech';
import type WebSocket from 'ws';
import { type FakeLlm, startFakeLlm } from './fake-llm.js';
import {
  type BenchServer,
  openSocket,
  processUsage,
  sleep,
  startServer,
  stopServer,
} from './session-load.js';
import { type BenchRow, percentile } from './table.js';

/**
 * Soak and fault benchmark: voice sessions that keep talking for minutes to a `visemo serve` over
 * WebSockets — Flite-voiced questions streamed at real-time pace on a microphone that never stops,
 * some of them spoken over the answer (barge-in) — while the language model, an OpenAI-compatible
 * local server, cuts a share of its streams mid-sentence, never answers some requests, stops in
 * the middle of others and fails others with HTTP 500. The circuit breaker is at its default
 * setting. It counts what the callers got: answers, lost turns, barge-ins, first-audio latency, the
 * server's memory over time, and what became of each model failure — above all, how many
 * fragments of a broken reply were spoken (must be 0).
 */

const FRAME_MS = 20;
const SAMPLES_PER_FRAME = 320;
/** A question whose transcript has not come by then is lost (the server never heard it). */
const FINAL_DEADLINE_MS = 15_000;
/** A turn that has not ended by then is lost. */
const END_DEADLINE_MS = 30_000;
/** Share of questions spoken over the answer of the one before. */
const BARGE_IN_SHARE = 0.25;

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));

/** Questions the support agent's grammar has word for word. */
const QUESTIONS = [
  'what are your opening hours',
  'how long does delivery take',
  'which countries do you ship to',
  'i want to return my order',
  'where is my order',
  'my payment failed',
  'how much is shipping',
  'do you have express delivery',
];
const VOICES = ['slt', 'rms', 'awb', 'kal'];

/** A model fault for a share of requests (decision 0083: what each must end in). */
const FAULTS = { cut: 0.15, stall: 0.04, 'stall-mid': 0.04, error: 0.07 };

interface Recording {
  text: string;
  voice: string;
  samples: Int16Array;
}

/** One question as the caller saw it answered. */
interface SoakTurn {
  said: string;
  bargeIn: boolean;
  lost: boolean;
  understood?: boolean;
  answeredBy?: string;
  /** The model took part: it answered, failed or was skipped for its open circuit. */
  model: boolean;
  texts: string[];
  /** The `text` of each audio chunk. */
  spoken: string[];
  errors: string[];
  /** `provider` events of the turn, by event name. */
  provider: string[];
  /** The model failed before a whole sentence, and the agent answered instead. */
  fellBack: boolean;
  interrupted: boolean;
  speechEndToFirstAudioMs?: number;
  /** From the caller's last frame of speech to the first binary frame of the answer. */
  heardAfterMs?: number;
}

interface TurnLog {
  final?: Extract<ServerEvent, { type: 'transcript.final' }>;
  texts: Extract<ServerEvent, { type: 'response.text' }>[];
  chunks: Extract<ServerEvent, { type: 'audio.chunk' }>[];
  provider: Extract<ServerEvent, { type: 'provider' }>[];
  errors: string[];
  end?: Extract<ServerEvent, { type: 'turn.end' }>;
  interrupted: boolean;
  firstAudioAt?: number;
  /** Milliseconds of answer audio received. */
  audioMs: number;
}

/** A microphone: 20 ms frames at real-time pace, speech when some is queued, else silence. */
class Microphone {
  private speech: Int16Array | null = null;
  private at = 0;
  private done: (() => void) | null = null;
  private stopped = false;
  readonly running: Promise<void>;

  constructor(private readonly socket: WebSocket) {
    this.running = this.run();
  }

  /** Resolves when the last frame of `samples` has been sent. */
  say(samples: Int16Array): Promise<void> {
    this.speech = samples;
    this.at = 0;
    return new Promise((resolve) => {
      this.done = resolve;
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    const silence = new Int16Array(SAMPLES_PER_FRAME);
    let clock = performance.now();
    while (!this.stopped && this.socket.readyState === this.socket.OPEN) {
      let frame = silence;
      if (this.speech) {
        frame = new Int16Array(SAMPLES_PER_FRAME);
        frame.set(this.speech.subarray(this.at, this.at + SAMPLES_PER_FRAME));
        this.at += SAMPLES_PER_FRAME;
        if (this.at >= this.speech.length) {
          this.speech = null;
          const done = this.done;
          this.done = null;
          // After this frame is sent.
          queueMicrotask(() => done?.());
        }
      }
      this.socket.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      clock += FRAME_MS;
      // A caller that fell behind (a busy machine) catches up at once, as a real network buffer would.
      await sleep(clock - performance.now());
    }
  }
}

/** One person talking until `until` (performance.now() time). */
async function soakCaller(
  server: BenchServer,
  index: number,
  recordings: Recording[],
  until: number,
): Promise<{ turns: SoakTurn[]; extraUtterances: number }> {
  const ws = await openSocket(server, `soak-caller-${index}`);
  const logs = new Map<number, TurnLog>();
  const log = (turnId: number): TurnLog => {
    let entry = logs.get(turnId);
    if (!entry) {
      entry = { texts: [], chunks: [], provider: [], errors: [], interrupted: false, audioMs: 0 };
      logs.set(turnId, entry);
    }
    return entry;
  };
  /** The turn the server is working on: errors carry no turn id. */
  let current: number | null = null;
  /** Errors while no turn was open, e.g. the recognizer's: they belong to the turn that follows. */
  const early: string[] = [];
  let lastChunkTurn: number | null = null;
  let wake: (() => void) | null = null;
  let started = false;
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      if (lastChunkTurn !== null) log(lastChunkTurn).firstAudioAt ??= performance.now();
      return;
    }
    const event = JSON.parse(data.toString()) as ServerEvent;
    switch (event.type) {
      case 'session.started':
        started = true;
        break;
      case 'transcript.final':
        log(event.turnId).final = event;
        log(event.turnId).errors.push(...early.splice(0));
        current = event.turnId;
        break;
      case 'response.text':
        log(event.turnId).texts.push(event);
        break;
      case 'audio.chunk':
        log(event.turnId).chunks.push(event);
        log(event.turnId).audioMs += event.durationMs;
        lastChunkTurn = event.turnId;
        break;
      case 'provider':
        log(event.turnId).provider.push(event);
        break;
      case 'error':
        if (current !== null) log(current).errors.push(event.code);
        else early.push(event.code);
        break;
      case 'interrupted':
        log(event.turnId).interrupted = true;
        break;
      case 'turn.end':
        log(event.turnId).end = event;
        if (current === event.turnId) current = null;
        break;
    }
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitUntil = async (test: () => boolean, ms: number): Promise<boolean> => {
    const deadline = performance.now() + ms;
    while (!test()) {
      if (performance.now() > deadline || ws.readyState !== ws.OPEN) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
      wake = null;
    }
    return true;
  };
  ws.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
  if (!(await waitUntil(() => started, 10_000))) throw new Error('no session.started');
  const mic = new Microphone(ws);

  // Each caller has one voice, as a person does, and asks the questions in its own order.
  const voice = VOICES[index % VOICES.length] as string;
  const mine = recordings.filter((r) => r.voice === voice);
  let state = 7 + index * 7919;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const asked: { turn: SoakTurn; entry?: TurnLog; speechEndAt: number }[] = [];
  const claimed = new Set<number>();
  let question = index;
  let overAnswer = false;
  await sleep(300 + random() * 700);
  while (performance.now() < until) {
    const recording = mine[question++ % mine.length] as Recording;
    await mic.say(recording.samples);
    const speechEndAt = performance.now();
    const turn = emptyTurn(recording.text, overAnswer);
    overAnswer = false;
    // The turn of this question: the first transcript no earlier question took.
    let turnId: number | undefined;
    await waitUntil(() => {
      for (const [id, entry] of logs) {
        if (entry.final && !claimed.has(id)) {
          turnId = id;
          return true;
        }
      }
      return false;
    }, FINAL_DEADLINE_MS);
    if (turnId === undefined) {
      asked.push({ turn, speechEndAt });
      continue;
    }
    claimed.add(turnId);
    const entry = log(turnId);
    asked.push({ turn, entry, speechEndAt });
    // Now and then the next question is spoken over this answer, a moment after it starts playing.
    if (random() < BARGE_IN_SHARE) {
      await waitUntil(() => entry.firstAudioAt !== undefined || !!entry.end, END_DEADLINE_MS);
      if (entry.firstAudioAt !== undefined) {
        await sleep(300 + random() * 600);
        // Only while the answer still plays: later it would be just the next question.
        if (performance.now() < entry.firstAudioAt + entry.audioMs) {
          overAnswer = true;
          continue;
        }
      }
    }
    await waitUntil(() => !!entry.end, END_DEADLINE_MS);
    // Listen to the answer, then think a moment before the next question.
    const playing =
      entry.firstAudioAt === undefined ? 0 : entry.firstAudioAt + entry.audioMs - performance.now();
    await sleep(Math.max(0, playing) + 400 + random() * 800);
  }
  // The last turns get their ends.
  await waitUntil(() => [...logs.values()].every((e) => !e.final || e.end), END_DEADLINE_MS);
  mic.stop();
  await mic.running;
  ws.close();
  const extraUtterances = [...logs.keys()].filter((id) => logs.get(id)?.final && !claimed.has(id)).length;
  return {
    turns: asked.map(({ turn, entry, speechEndAt }) => settle(turn, entry, speechEndAt)),
    extraUtterances,
  };
}

function emptyTurn(said: string, bargeIn: boolean): SoakTurn {
  return {
    said,
    bargeIn,
    lost: true,
    model: false,
    texts: [],
    spoken: [],
    errors: [],
    provider: [],
    fellBack: false,
    interrupted: false,
  };
}

/** What the caller got for a question, once its turn is over (or given up on). */
function settle(turn: SoakTurn, entry: TurnLog | undefined, speechEndAt: number): SoakTurn {
  if (!entry) return turn;
  turn.lost = !entry.end;
  turn.understood = entry.final?.understood;
  turn.answeredBy = entry.texts[0]?.answeredBy;
  turn.texts = entry.texts.map((t) => t.text);
  turn.spoken = entry.chunks.map((c) => c.text);
  turn.errors = [...entry.errors];
  turn.provider = entry.provider.map((p) => p.event);
  // The agent answered for a model that failed before a whole sentence.
  turn.fellBack = turn.answeredBy !== 'llm' && entry.provider.some((p) => p.event === 'llm-failed');
  turn.model =
    turn.answeredBy === 'llm' ||
    entry.provider.some(
      (p) => p.event === 'llm-failed' || (p.event === 'provider-skipped' && p.kind === 'llm'),
    );
  turn.interrupted = entry.interrupted;
  const latency = entry.end?.latency.speechEndToFirstAudioMs;
  if (latency !== undefined) turn.speechEndToFirstAudioMs = latency;
  if (entry.firstAudioAt !== undefined) turn.heardAfterMs = entry.firstAudioAt - speechEndAt;
  return turn;
}

/**
 * Texts of a turn that are no whole sentence of the model's replies but come from one: any text of
 * a model answer that is not one of its sentences, and any text at all that begins like one.
 */
function fragments(turn: SoakTurn, sentences: ReadonlySet<string>): number {
  const whole = [...sentences];
  // A sentence goes out as a caption and as an audio chunk: count it once.
  return [...new Set([...turn.texts, ...turn.spoken])].filter(
    (t) => !sentences.has(t) && (turn.answeredBy === 'llm' || whole.some((w) => w.startsWith(t))),
  ).length;
}

/** The support agent with the model answering everything but greetings, thanks and goodbyes. */
async function soakAgent(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'visemo-soak-'));
  const dir = path.join(root, 'support-agent');
  await cp(agentDir, dir, { recursive: true });
  await appendFile(
    path.join(dir, 'agent.yaml'),
    '\nllm:\n  routing:\n    intents: [greeting, goodbye, thanks]\n',
  );
  return { dir, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface SoakOptions {
  sessions: number;
  durationMs: number;
  onProgress?: (line: string) => void;
}

export async function runSoak({ sessions, durationMs, onProgress }: SoakOptions): Promise<BenchRow[]> {
  const progress = onProgress ?? (() => {});
  const flite = new FliteSynthesizer();
  const recordings: Recording[] = [];
  for (const voice of VOICES) {
    for (const text of QUESTIONS) {
      const { samples } = (await flite.synthesize({ text, voice })).audio;
      recordings.push({ text, voice, samples });
    }
  }
  await flite.close();
  const agent = await soakAgent();
  let llm: FakeLlm | undefined;
  let server: BenchServer | undefined;
  try {
    llm = await startFakeLlm({ faults: FAULTS, seed: 11 });
    server = await startServer(agent.dir, [], {
      OPENAI_BASE_URL: llm.baseURL,
      VISEMO_LLM_MODEL: 'bench-model',
    });
    const pid = server.process.pid as number;
    await sleep(500);
    const rss = { start: processUsage(pid).rssMb, mid: 0, end: 0, peak: 0 };
    const cpuBefore = processUsage(pid).cpuMs;
    progress(`${sessions} sessions talking for ${Math.round(durationMs / 1000)} s…`);
    const startedAt = performance.now();
    const until = startedAt + durationMs;
    const sampler = setInterval(() => {
      const now = processUsage(pid).rssMb;
      rss.peak = Math.max(rss.peak, now);
      if (rss.mid === 0 && performance.now() >= startedAt + durationMs / 2) rss.mid = now;
    }, 1000);
    const fleet = server;
    const perCaller = await Promise.all(
      Array.from({ length: sessions }, (_, i) =>
        sleep((i * 1000) / sessions).then(() => soakCaller(fleet, i, recordings, until)),
      ),
    );
    clearInterval(sampler);
    const wallMs = performance.now() - startedAt;
    rss.end = processUsage(pid).rssMb;
    const cpuMs = processUsage(pid).cpuMs - cpuBefore;
    const turns = perCaller.flatMap((c) => c.turns);
    const extraUtterances = perCaller.reduce((n, c) => n + c.extraUtterances, 0);
    return soakRows({ sessions, wallMs, cpuMs, rss, turns, extraUtterances, llm });
  } finally {
    if (server) await stopServer(server.process);
    await llm?.close();
    await agent.remove();
  }
}

function soakRows(m: {
  sessions: number;
  wallMs: number;
  cpuMs: number;
  rss: { start: number; mid: number; end: number; peak: number };
  turns: SoakTurn[];
  extraUtterances: number;
  llm: FakeLlm;
}): BenchRow[] {
  const { turns, llm } = m;
  const count = (pred: (t: SoakTurn) => boolean) => turns.filter(pred).length;
  const answered = turns.filter((t) => !t.lost && t.texts.length > 0);
  const firstAudio = turns.map((t) => t.speechEndToFirstAudioMs).filter((v): v is number => v !== undefined);
  const heard = turns.map((t) => t.heardAfterMs).filter((v): v is number => v !== undefined);
  const model = turns.filter((t) => t.model && !t.lost);
  const errorsOf = (code: string) => turns.reduce((n, t) => n + t.errors.filter((e) => e === code).length, 0);
  const allErrors = turns.reduce((n, t) => n + t.errors.length, 0);
  const providerEvents = (name: string) =>
    turns.reduce((n, t) => n + t.provider.filter((p) => p === name).length, 0);
  const fragmentCount = turns.reduce((n, t) => n + fragments(t, llm.sentences), 0);
  const s = `${m.sessions} sessions, ${Math.round(m.wallMs / 1000)} s`;
  const lost = count((t) => t.lost);
  const rows: BenchRow[] = [
    { name: `${s} · questions spoken`, value: turns.length, unit: 'turns' },
    { name: `${s} · turns answered`, value: answered.length, unit: 'turns' },
    {
      name: `${s} · turns lost (no transcript in 15 s, or no end in 30 s)`,
      value: lost,
      unit: 'turns',
      target: '0',
      ok: lost === 0,
    },
    { name: `${s} · a question heard as two utterances`, value: m.extraUtterances, unit: 'times' },
    {
      name: `${s} · heard but not understood`,
      value: (100 * count((t) => t.understood === false)) / Math.max(1, turns.length),
      unit: '%',
    },
    {
      name: `${s} · questions spoken over an answer (barge-in)`,
      value: count((t) => t.bargeIn),
      unit: 'turns',
    },
    { name: `${s} · answers interrupted`, value: count((t) => t.interrupted), unit: 'turns' },
    { name: `${s} · speech end → first audio p50`, value: percentile(firstAudio, 50), unit: 'ms' },
    { name: `${s} · speech end → first audio p95`, value: percentile(firstAudio, 95), unit: 'ms' },
    { name: `${s} · caller: last speech frame → first audio p50`, value: percentile(heard, 50), unit: 'ms' },
    { name: `${s} · caller: last speech frame → first audio p95`, value: percentile(heard, 95), unit: 'ms' },
    { name: `${s} · server RSS at start`, value: m.rss.start, unit: 'MB' },
    { name: `${s} · server RSS at half time`, value: m.rss.mid, unit: 'MB' },
    { name: `${s} · server RSS at the end`, value: m.rss.end, unit: 'MB' },
    { name: `${s} · server RSS peak`, value: m.rss.peak, unit: 'MB' },
    { name: `${s} · server CPU`, value: (m.cpuMs / m.wallMs) * 100, unit: '% of a core' },
    { name: `${s} · model requests answered whole`, value: llm.requests.none, unit: 'requests' },
    { name: `${s} · model requests cut mid-sentence`, value: llm.requests.cut, unit: 'requests' },
    { name: `${s} · model requests never answered`, value: llm.requests.stall, unit: 'requests' },
    { name: `${s} · model requests stalled mid-reply`, value: llm.requests['stall-mid'], unit: 'requests' },
    { name: `${s} · model requests failed with HTTP 500`, value: llm.requests.error, unit: 'requests' },
    { name: `${s} · turns the model took part in`, value: model.length, unit: 'turns' },
    {
      name: `${s} · answered by the model, whole`,
      value: count((t) => t.answeredBy === 'llm' && t.errors.length === 0 && !t.lost),
      unit: 'turns',
    },
    {
      name: `${s} · model broke off after a whole sentence`,
      value: count((t) => t.answeredBy === 'llm' && t.errors.includes('provider_stream_broken')),
      unit: 'turns',
    },
    { name: `${s} · fell back to the agent's own answer`, value: count((t) => t.fellBack), unit: 'turns' },
    {
      name: `${s} · of them with the circuit open (model skipped)`,
      value: count((t) => t.fellBack && t.provider.includes('provider-skipped')),
      unit: 'turns',
    },
    { name: `${s} · circuit opened`, value: providerEvents('circuit-opened'), unit: 'times' },
    { name: `${s} · error events sent`, value: allErrors, unit: 'events' },
    {
      name: `${s} · of them provider_stream_broken`,
      value: errorsOf('provider_stream_broken'),
      unit: 'events',
    },
    {
      name: `${s} · of them provider_timeout (recognizer or model past its deadline)`,
      value: errorsOf('provider_timeout'),
      unit: 'events',
    },
    {
      name: `${s} · fragments spoken`,
      value: fragmentCount,
      unit: 'texts',
      target: '0',
      ok: fragmentCount === 0,
    },
  ];
  return rows;
}

/** For the benchmark runner: 10 sessions for 3 minutes, or 4 for 30 s with `quick`. */
export async function benchSoak(quick: boolean): Promise<BenchRow[]> {
  return runSoak({
    sessions: quick ? 4 : 10,
    durationMs: quick ? 30_000 : 180_000,
    onProgress: (line) => process.stderr.write(`  ${line}\n`),
  });
}
