/**
 * The drift job on a busy agent: 100,000 turns of synthetic telemetry (70,000 over a week of
 * baseline, 30,000 in the last 24 hours with a shifted intent mix and more hand-offs), on embedded
 * PGlite and on PostgreSQL (DATABASE_URL, default the local server); the time of one drift check,
 * as the server's job runs it, and split by a flag. Run alone: `node --import tsx bench/drift.ts`.
 */
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_DRIFT_BASELINE_MS,
  DEFAULT_DRIFT_WINDOW_MS,
  measureDrift,
  trailingWindows,
} from '@visemo/server';
import type { Storage } from '@visemo/storage';
import { onBothDatabases } from './both-databases.js';
import { type BenchRow, formatTable, percentile } from './table.js';

export const AGENT = 'bench-drift';
const RUNS = 5;

/**
 * `count` rows spread over `[since, since + spanMs)`, drawn in SQL. `shift` moves the intent mix
 * toward `returns`, lowers confidence and raises hand-offs and thumbs-down.
 */
export async function insertTelemetry(
  storage: Storage,
  count: number,
  since: Date,
  spanMs: number,
  shift: number,
) {
  await storage.database.query(
    `INSERT INTO turn_telemetry (agent, occurred_at, input_source, intent, confidence, latency, providers,
                                answered_by, interrupted, asr_rejected, handed_off, feedback, flags)
     SELECT $1, $2::timestamptz + (r.a * $3::float8) * interval '1 millisecond',
            CASE WHEN r.b < 0.6 THEN 'speech' ELSE 'text' END,
            CASE WHEN r.c < 0.08 THEN NULL
                 ELSE (ARRAY['order_status', 'opening_hours', 'returns', 'shipping', 'payment'])
                      [1 + LEAST(4, floor(((r.c - 0.08) / 0.92) ^ (1 + $4::float8) * 5))::int] END,
            LEAST(1, GREATEST(0, 0.92 - $4::float8 * 0.1 - r.d * 0.3)),
            '{"nluMs": 2}', '{"asr": "grammar", "tts": "flite"}',
            CASE WHEN r.c < 0.08 THEN 'fallback' ELSE 'intent' END,
            r.e < 0.1, r.b < 0.6 AND r.e > 0.97, r.f < 0.02 + $4::float8 * 0.03,
            CASE WHEN r.g < 0.2 THEN CASE WHEN r.f < 0.1 + $4::float8 * 0.1 THEN 'down' ELSE 'up' END END,
            jsonb_build_object('renderer3d', CASE WHEN r.h < 0.5 THEN 'enabled' ELSE 'disabled' END)
       FROM (SELECT random() AS a, random() AS b, random() AS c, random() AS d, random() AS e,
                    random() AS f, random() AS g, random() AS h
               FROM generate_series(1, $5::int)) AS r`,
    [AGENT, since.toISOString(), spanMs, shift, count],
  );
}

async function measure(name: string, storage: Storage, turns: number): Promise<BenchRow[]> {
  const now = new Date();
  const windows = trailingWindows(now, DEFAULT_DRIFT_WINDOW_MS, DEFAULT_DRIFT_BASELINE_MS);
  const current = Math.round(turns * 0.3);
  process.stderr.write(`  ${name}: inserting ${turns} turns of telemetry…\n`);
  const insertStarted = performance.now();
  await insertTelemetry(storage, turns - current, windows.baseline.since, DEFAULT_DRIFT_BASELINE_MS, 0);
  await insertTelemetry(storage, current, windows.current.since, DEFAULT_DRIFT_WINDOW_MS - 1, 0.5);
  const insertMs = performance.now() - insertStarted;
  const time = async (byFlag?: string) => {
    const ms: number[] = [];
    let alert = false;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const report = await measureDrift(storage.telemetry, {
        agent: AGENT,
        ...windows,
        ...(byFlag ? { byFlag } : {}),
      });
      ms.push(performance.now() - started);
      alert = report.alert;
    }
    return { ms, alert };
  };
  const all = await time();
  const split = await time('renderer3d');
  return [
    {
      name: `${name}: insert ${turns.toLocaleString('en')} telemetry rows (one statement)`,
      value: insertMs,
      unit: 'ms',
    },
    {
      name: `${name}: one drift check over ${turns.toLocaleString('en')} turns, median of ${RUNS}`,
      value: percentile(all.ms, 50),
      unit: 'ms',
      target: '≤ 1000',
      ok: percentile(all.ms, 50) <= 1000,
    },
    {
      name: `${name}: the same, split by a flag (2 variants), median`,
      value: percentile(split.ms, 50),
      unit: 'ms',
    },
    { name: `${name}: the shifted window raised the alert`, value: all.alert ? 1 : 0, unit: 'yes=1' },
  ];
}

export async function benchDrift(quick = false): Promise<BenchRow[]> {
  const turns = quick ? 20_000 : 100_000;
  return onBothDatabases((name, storage) => measure(name, storage, turns), {
    name: 'PostgreSQL: one drift check',
    value: Number.NaN,
    unit: 'ms',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchDrift(process.argv.includes('--quick'));
  process.stdout.write(`${formatTable('Drift detection over stored telemetry', rows)}\n`);
}
