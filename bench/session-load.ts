import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PcmAudio } from '@visemo/core';
import type { ServerEvent, TurnLatency, WaterfallSetup } from '@visemo/server';
import WebSocket from 'ws';
import { type BenchRow, percentile } from './table.js';
import { type SetupUsage, setupUsage } from './usage-file.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const FRAME_MS = 20;
const SAMPLES_PER_FRAME = (16000 * FRAME_MS) / 1000;
/** A turn that has not ended by then counts as lost, and the caller asks the next question. */
const TURN_DEADLINE_MS = 30_000;

export interface SpokenQuestion {
  text: string;
  intent: string;
  audio: PcmAudio;
}

export interface CallerTurn {
  expected: string;
  /** What the caller said. */
  said: string;
  /** The final transcript; absent when the turn was lost. */
  heard?: { text: string; understood: boolean };
  intent: string | null;
  latency: TurnLatency;
  /** Error events during the turn, e.g. the recognizer missing its deadline under load. */
  errors: number;
  /** No turn.end within TURN_DEADLINE_MS. */
  lost: boolean;
  /**
   * Measured by the caller: from its last frame of speech to the first audio of the answer. It
   * includes the VAD's hangover, and any backlog the server's clock cannot see.
   */
  heardAfterMs?: number;
  /** What the turn cost in traffic and provider units: the inputs of `visemo cost`. */
  usage: TurnUsage;
}

export interface TurnUsage {
  /** Bytes of every WebSocket message the server sent from this question to the next (audio and JSON). */
  bytesSent: number;
  /** Characters of the spoken reply, as TTS vendors bill them (code points). */
  ttsCharacters: number;
  replyAudioSeconds: number;
  /** The question's speech: what a recognizer is given and bills. */
  speechSeconds: number;
}

/** A `visemo serve` in its own process, and what a caller needs to open sessions on it. */
export interface BenchServer {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The key that `POST /v1/tokens` takes (VISEMO_API_KEYS). */
  apiKey: string;
  process: ChildProcess;
}

/**
 * A server in its own process, so its CPU time and memory are measured alone. It hands out session
 * tokens for a key made for the run (`openSession`), as a deployment with VISEMO_TOKEN_SECRET and
 * VISEMO_API_KEYS does. `env` adds to the environment, e.g. OPENAI_BASE_URL for a model.
 */
export async function startServer(
  agentDir: string,
  serveArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const apiKey = `bench-${randomBytes(12).toString('hex')}`;
  // Its own embedded database: a server already running on ./data holds that one's lock.
  const dataDir = mkdtempSync(join(tmpdir(), 'visemo-bench-data-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'apps/cli/src/main.ts',
      'serve',
      '--agent',
      agentDir,
      '--port',
      '0',
      '--data-dir',
      dataDir,
      ...serveArgs,
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        VISEMO_TOKEN_SECRET: randomBytes(32).toString('hex'),
        VISEMO_API_KEYS: apiKey,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const origin = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /(http:\/\/[^\s/]+)\//.exec(err);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return { url: origin.replace('http', 'ws'), origin, apiKey, process: child };
}

/** A session token for `subject` (one per caller: the server caps the sockets of one subject). */
export async function sessionToken(server: BenchServer, subject: string): Promise<string> {
  const response = await fetch(`${server.origin}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject }),
  });
  if (!response.ok) throw new Error(`POST /v1/tokens: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Opens the protocol's WebSocket with a fresh token for `subject`. */
export async function openSocket(server: BenchServer, subject: string): Promise<WebSocket> {
  const token = await sessionToken(server, subject);
  return new WebSocket(`${server.url}/v1/ws`, ['visemo.v1', `visemo.token.${token}`]);
}

export function processUsage(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // Linux reports CPU time in clock ticks of 100 Hz on every common configuration.
  return { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * One caller: asks each question by streaming its audio at real-time pace in 20 ms frames, keeps
 * streaming silence (as a live microphone would) until the turn ends, listens for as long as the
 * answer lasts, then asks the next.
 */
export async function simulateCaller(
  server: BenchServer,
  subject: string,
  questions: SpokenQuestion[],
): Promise<CallerTurn[]> {
  const ws = await openSocket(server, subject);
  const events: ServerEvent[] = [];
  let notify: (() => void) | null = null;
  let firstAudioAt: number | undefined;
  let bytesSent = 0;
  ws.on('message', (data, isBinary) => {
    bytesSent += (data as Buffer).byteLength;
    if (isBinary) {
      firstAudioAt ??= performance.now();
      return;
    }
    events.push(JSON.parse(data.toString()) as ServerEvent);
    notify?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = async (pred: (e: ServerEvent) => boolean, pump?: () => void): Promise<ServerEvent> => {
    const deadline = performance.now() + TURN_DEADLINE_MS;
    for (;;) {
      const found = events.find(pred);
      if (found) return found;
      if (performance.now() > deadline) throw new Error(`no answer within ${TURN_DEADLINE_MS} ms`);
      await new Promise<void>((r) => {
        notify = r;
        if (pump) setTimeout(r, FRAME_MS);
      });
      notify = null;
      pump?.();
    }
  };
  ws.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
  await waitFor((e) => e.type === 'session.started');

  const silence = new Int16Array(SAMPLES_PER_FRAME);
  const records: CallerTurn[] = [];
  let clock = performance.now();
  const sendFrame = (frame: Int16Array) => {
    ws.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    clock += FRAME_MS;
  };
  for (const [index, q] of questions.entries()) {
    events.length = 0;
    bytesSent = 0;
    clock = performance.now();
    for (let i = 0; i < 15; i++) {
      sendFrame(silence);
      await sleep(clock - performance.now());
    }
    for (let at = 0; at < q.audio.samples.length; at += SAMPLES_PER_FRAME) {
      const frame = new Int16Array(SAMPLES_PER_FRAME);
      frame.set(q.audio.samples.subarray(at, at + SAMPLES_PER_FRAME));
      sendFrame(frame);
      await sleep(clock - performance.now());
    }
    const speechSentAt = performance.now();
    firstAudioAt = undefined;
    const end = (await waitFor(
      (e) => e.type === 'turn.end',
      () => {
        while (performance.now() >= clock) sendFrame(silence);
      },
    ).catch(() => null)) as Extract<ServerEvent, { type: 'turn.end' }> | null;
    const speechSeconds = q.audio.samples.length / q.audio.sampleRate;
    if (!end) {
      const usage = { bytesSent, ttsCharacters: 0, replyAudioSeconds: 0, speechSeconds };
      records.push({
        expected: q.intent,
        said: q.text,
        intent: null,
        latency: {},
        errors: 1,
        lost: true,
        usage,
      });
      continue;
    }
    const errors = events.filter((e) => e.type === 'error').length;
    const nlu = events.find((e) => e.type === 'nlu') as Extract<ServerEvent, { type: 'nlu' }> | undefined;
    const final = events.find((e) => e.type === 'transcript.final') as
      | Extract<ServerEvent, { type: 'transcript.final' }>
      | undefined;
    const record: CallerTurn = {
      expected: q.intent,
      said: q.text,
      intent: nlu?.intent ?? null,
      latency: end.latency,
      errors,
      lost: false,
      usage: { bytesSent, ttsCharacters: 0, replyAudioSeconds: 0, speechSeconds },
    };
    if (final) record.heard = { text: final.text, understood: final.understood };
    if (firstAudioAt !== undefined) record.heardAfterMs = firstAudioAt - speechSentAt;
    records.push(record);
    const chunks = events.filter((e) => e.type === 'audio.chunk') as Extract<
      ServerEvent,
      { type: 'audio.chunk' }
    >[];
    const spokenMs = chunks.reduce((n, e) => n + e.durationMs, 0);
    if (index < questions.length - 1) await sleep(Math.min(spokenMs, 4000));
    // Counted once the answer has been listened to: audio may still arrive after turn.end.
    record.usage.bytesSent = bytesSent;
    record.usage.ttsCharacters = chunks.reduce((n, e) => n + [...e.text].length, 0);
    record.usage.replyAudioSeconds = spokenMs / 1000;
  }
  ws.close();
  return records;
}

export interface SessionLoad {
  agentDir: string;
  questions: SpokenQuestion[];
  concurrency: number[];
  /** Extra `visemo serve` options, e.g. `--tts-cache-mb 0`. */
  serveArgs: string[];
  /** Names the setup in each row, after the session count. */
  label: string;
}

export async function benchSessions(
  { agentDir, questions, concurrency, serveArgs, label }: SessionLoad,
  onProgress: (message: string) => void,
): Promise<{ rows: BenchRow[]; waterfall: WaterfallSetup[]; usage: SetupUsage[] }> {
  const rows: BenchRow[] = [];
  const usage: SetupUsage[] = [];
  const waterfall: WaterfallSetup[] = [];
  for (const n of concurrency) {
    const server = await startServer(agentDir, serveArgs);
    try {
      const pid = server.process.pid as number;
      await sleep(300);
      const idle = processUsage(pid);
      const setup = `${n} ${n === 1 ? 'session' : 'sessions'}${label}`;
      onProgress(`${setup}: streaming ${questions.length} questions each…`);
      const started = performance.now();
      let sessionMs = 0;
      const callers = Array.from({ length: n }, (_, i) =>
        sleep((i * 1000) / n).then(async () => {
          const opened = performance.now();
          const turns = await simulateCaller(server, `caller-${i}`, rotate(questions, i));
          sessionMs += performance.now() - opened;
          return turns;
        }),
      );
      let peakRss = idle.rssMb;
      const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, processUsage(pid).rssMb);
      }, 200);
      // Stopped however the callers end: a sampler left running outlives the server it reads.
      const records = (await Promise.all(callers).finally(() => clearInterval(sampler))).flat();
      const busy = processUsage(pid);
      const wallMs = performance.now() - started;
      const hop = (name: keyof TurnLatency) =>
        records.map((r) => r.latency[name]).filter((v): v is number => typeof v === 'number');
      const add = (name: string, values: number[], unit: string, target?: [string, number]) => {
        for (const p of [50, 95]) {
          const value = percentile(values, p);
          const row: BenchRow = { name: `${setup} · ${name} p${p}`, value, unit };
          if (target && p === (target[0] === 'p50' ? 50 : 95)) {
            row.target = `≤ ${target[1]}`;
            row.ok = value <= target[1];
          }
          rows.push(row);
        }
      };
      const stat = (name: string, values: number[]) => ({
        name,
        p50: percentile(values, 50),
        p95: percentile(values, 95),
      });
      const heard = records.map((r) => r.heardAfterMs).filter((v): v is number => v !== undefined);
      waterfall.push({
        label: setup,
        hops: HOPS.map(([name, key]) => stat(name, hop(key))),
        total: stat('speech end → first audio', hop('speechEndToFirstAudioMs')),
        callerP50: percentile(heard, 50),
      });
      usage.push(
        setupUsage({
          setup,
          concurrent: n,
          servedAsDefault: !serveArgs.includes('--tts-cache-mb'),
          records,
          cpuSeconds: (busy.cpuMs - idle.cpuMs) / 1000,
          wallSeconds: wallMs / 1000,
          sessionSeconds: sessionMs / 1000,
          rssMbPerSession: (peakRss - idle.rssMb) / n,
          idleRssMb: idle.rssMb,
          hopsMsP50: Object.fromEntries(HOPS.map(([, key]) => [key, percentile(hop(key), 50)])),
        }),
      );
      for (const [name, key] of HOPS) add(name, hop(key), 'ms');
      const e2e = hop('speechEndToFirstAudioMs');
      add('caller: last speech frame → first audio', heard, 'ms');
      rows.push(
        {
          name: `${setup} · speech end → first audio p50`,
          value: percentile(e2e, 50),
          unit: 'ms',
          ...(n === 10 ? { target: '≤ 150', ok: percentile(e2e, 50) <= 150 } : {}),
        },
        {
          name: `${setup} · speech end → first audio p95`,
          value: percentile(e2e, 95),
          unit: 'ms',
          ...(n === 10 ? { target: '≤ 300', ok: percentile(e2e, 95) <= 300 } : {}),
        },
        {
          name: `${setup} · turns lost (no answer in 30 s)`,
          value: records.filter((r) => r.lost).length,
          unit: 'turns',
        },
        {
          name: `${setup} · turns with a provider error`,
          value: (100 * records.filter((r) => r.errors > 0).length) / records.length,
          unit: '%',
        },
        {
          name: `${setup} · intent correct`,
          value: (100 * records.filter((r) => r.intent === r.expected).length) / records.length,
          unit: '%',
        },
        {
          name: `${setup} · CPU per session`,
          value: ((busy.cpuMs - idle.cpuMs) / wallMs / n) * 100,
          unit: '% of a core',
        },
        { name: `${setup} · RSS per session`, value: (peakRss - idle.rssMb) / n, unit: 'MB' },
      );
    } finally {
      // The next setup starts only once this server is gone: a server still draining a backlog
      // would take CPU from it.
      await stopServer(server.process);
    }
  }
  return { rows, waterfall, usage };
}

/** The hops of a turn in the order they happen, as the waterfall shows them. */
const HOPS: [string, keyof TurnLatency][] = [
  ['VAD end → ASR final', 'asrFinalMs'],
  ['NLU', 'nluMs'],
  ['dialogue', 'dialogueMs'],
  ['TTS first audio', 'ttsFirstAudioMs'],
];

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
