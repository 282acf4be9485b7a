import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVisemo } from './support/run-visemo.js';

const env = { ...process.env, VISEMO_MASTER_KEY: generateMasterKey(), DATABASE_URL: '' };
const UNTIL = '2026-12-03T00:00:00.000Z';
const HOUR = 3_600_000;

let dataDir: string;
const visemo = (args: string[]) => runVisemo(['drift', '--data-dir', dataDir, ...args], '', env);

/**
 * `count` typed turns of `intent` at hourly steps back from `end`, half of them in each
 * `renderer3d` variant unless `variant` is given.
 */
function rows(count: number, intent: string, end: number, variant?: string): unknown[][] {
  return Array.from({ length: count }, (_, i) => [
    new Date(end - (i + 1) * (HOUR / count)).toISOString(),
    intent,
    JSON.stringify({ renderer3d: variant ?? (i % 2 === 0 ? 'enabled' : 'disabled') }),
  ]);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'visemo-drift-cli-'));
  const storage = await openStorage({ dataDir, masterKey: env.VISEMO_MASTER_KEY, env: {} });
  const until = Date.parse(UNTIL);
  // Baseline hour (two hours back): 50/50; current hour: 80/20.
  const all = [
    ...rows(50, 'hours', until - HOUR),
    ...rows(50, 'order', until - HOUR),
    ...rows(80, 'hours', until),
    ...rows(20, 'order', until),
  ];
  for (const [at, intent, flags] of all) {
    await storage.database.query(
      `INSERT INTO turn_telemetry (agent, occurred_at, input_source, intent, confidence, answered_by, flags)
       VALUES ('shop', $1, 'text', $2, 0.95, 'intent', $3::jsonb)`,
      [at, intent, flags],
    );
  }
  await storage.close();
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('visemo drift', () => {
  it('reports the shifted intent mix with the PSI computed by hand, as JSON and as a table', async () => {
    const json = await visemo([
      '--agent',
      'examples/shop',
      '--window',
      '1h',
      '--baseline',
      '1h',
      '--until',
      UNTIL,
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect(json.stderr).toContain("… reading shop's telemetry");
    const report = JSON.parse(json.stdout);
    expect(report.current).toEqual({ since: '2026-12-02T23:00:00.000Z', until: UNTIL });
    const mix = report.variants[0].signals.find((s: { signal: string }) => s.signal === 'intent_mix');
    // 0.3·ln(1.6) + (−0.3)·ln(0.4)
    expect(mix.psi).toBeCloseTo(0.415888, 5);
    expect(mix.level).toBe('alert');
    expect(report.alert).toBe(true);

    const table = await visemo(['--agent', 'shop', '--window', '1h', '--baseline', '1h', '--until', UNTIL]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/intent_mix\s+hours 50%\s+hours 80%\s+100\/100\s+0\.416\s+alert/);
    expect(table.stdout).toContain('ALERT: intent_mix');
  });

  it('splits by a flag and draws the picture', async () => {
    const svg = path.join(dataDir, 'drift.svg');
    const run = await visemo([
      '--agent',
      'shop',
      '--window',
      '2026-12-02T23:00:00Z..2026-12-03T00:00:00Z',
      '--baseline',
      '2026-12-02T22:00:00Z..2026-12-02T23:00:00Z',
      '--by-flag',
      'renderer3d',
      '--min-count',
      '10',
      '--svg',
      svg,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('renderer3d = disabled');
    expect(run.stdout).toContain('renderer3d = enabled');
    const picture = await readFile(svg, 'utf8');
    expect(picture).toContain('intent_mix [enabled]');
    expect(picture).toContain('<title>Drift of shop');
  });

  it('names a bad window, and the process exits with a usage error', async () => {
    const run = await visemo(['--agent', 'shop', '--window', 'yesterday']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"yesterday" is not a duration');
  });
});
