/**
 * Storage cost per turn: time to write one turn (texts encrypted, with its telemetry row) and the
 * bytes it takes on disk, on embedded PGlite and on PostgreSQL (DATABASE_URL, default the local
 * server). Run alone: `node --import tsx bench/storage.ts [--quick]`.
 */
import { pathToFileURL } from 'node:url';
import type { Storage, TurnInput } from '@visemo/storage';
import { onBothDatabases } from './both-databases.js';
import { type BenchRow, formatTable, percentile } from './table.js';
import { recordUsage } from './usage-file.js';

const TURN_TABLES = ['turns', 'turn_telemetry'];

const USER_TEXTS = [
  'where is my order, the number is 4 7 1 1 and it was due on monday',
  'how much does shipping to france cost for a parcel of two kilos',
  'i would like to return the shoes i bought last week because they are too small',
  'can i pay with paypal or only by card',
];
const REPLY =
  'Your parcel left our warehouse yesterday and should arrive within two working days. You will get an e-mail with the tracking link.';

function turn(i: number): TurnInput {
  return {
    userText: USER_TEXTS[i % USER_TEXTS.length] as string,
    replyText: REPLY,
    intent: 'order_status',
    confidence: 0.93,
    entities: [{ entity: 'order_number', value: '4711', text: '4 7 1 1' }],
    latency: { asrFinalMs: 180, nluMs: 2, dialogueMs: 1, ttsFirstAudioMs: 45, speechEndToFirstAudioMs: 420 },
    providers: { asr: 'grammar', nlu: 'linear', tts: 'flite' },
    answeredBy: 'intent',
    inputSource: 'speech',
  };
}

async function measure(name: string, storage: Storage, turns: number): Promise<BenchRow[]> {
  const { subject } = await storage.subjects.ensure();
  await storage.consent.grant(subject.id, 'transcripts', { policyVersion: 'bench' });
  const session = await storage.sessions.start({ subjectId: subject.id, agent: 'bench' });
  for (let i = 0; i < 20; i++) await storage.sessions.recordTurn(session, turn(i));
  const bytesBefore = await storage.database.tableBytes(TURN_TABLES);
  const ms: number[] = [];
  for (let i = 0; i < turns; i++) {
    const started = performance.now();
    await storage.sessions.recordTurn(session, turn(i));
    ms.push(performance.now() - started);
  }
  const bytesPerTurn = ((await storage.database.tableBytes(TURN_TABLES)) - bytesBefore) / turns;

  // Erasure of a subject with a session of turns: the transaction, the key-table rewrite and,
  // embedded, retiring the WAL.
  const { subject: erased } = await storage.subjects.ensure();
  const erasedSession = await storage.sessions.start({ subjectId: erased.id, agent: 'bench' });
  for (let i = 0; i < 20; i++) await storage.sessions.recordTurn(erasedSession, turn(i));
  const eraseStarted = performance.now();
  await storage.eraseSubject(erased.id, { actor: 'system:bench' });
  const eraseMs = performance.now() - eraseStarted;

  return [
    {
      name: `${name}: write a turn (encrypted, with telemetry), p50`,
      value: percentile(ms, 50),
      unit: 'ms',
      target: '≤ 5',
      ok: percentile(ms, 50) <= 5,
    },
    { name: `${name}: write a turn, p95`, value: percentile(ms, 95), unit: 'ms' },
    {
      name: `${name}: bytes per turn on disk (turn + telemetry rows, indexes)`,
      value: Math.round(bytesPerTurn),
      unit: 'B',
    },
    { name: `${name}: erase a subject with 20 turns`, value: eraseMs, unit: 'ms' },
  ];
}

export async function benchStorage(quick = false): Promise<BenchRow[]> {
  const turns = quick ? 200 : 1000;
  const rows: BenchRow[] = [];
  const plaintext =
    USER_TEXTS.reduce((n, t) => n + Buffer.byteLength(t), 0) / USER_TEXTS.length + Buffer.byteLength(REPLY);
  rows.push({ name: 'texts of one benchmark turn, unencrypted', value: Math.round(plaintext), unit: 'B' });

  rows.push(
    ...(await onBothDatabases((name, storage) => measure(name, storage, turns), {
      name: 'PostgreSQL: write a turn, p50',
      value: Number.NaN,
      unit: 'ms',
    })),
  );
  const bytes = (backend: string) => rows.find((r) => r.name.startsWith(`${backend}: bytes per turn`))?.value;
  const pglite = bytes('PGlite');
  const postgres = bytes('PostgreSQL');
  recordUsage({
    storageBytesPerTurn: {
      ...(pglite !== undefined ? { pglite } : {}),
      ...(postgres !== undefined ? { postgres } : {}),
    },
  });
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchStorage(process.argv.includes('--quick'));
  process.stdout.write(`${formatTable('Storage cost per turn (PGlite and PostgreSQL)', rows)}\n`);
}
