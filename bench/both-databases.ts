import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey, openStorage, type Storage } from '@visemo/storage';
import type { BenchRow } from './table.js';

const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Runs `measure` on a fresh embedded PGlite in a temporary directory, then on PostgreSQL
 * (DATABASE_URL, default the local server) in a schema of its own that is dropped after. Without a
 * reachable server, its place in the table is `unavailable` (a row of NaN).
 */
export async function onBothDatabases(
  measure: (name: 'PGlite' | 'PostgreSQL', storage: Storage) => Promise<BenchRow[]>,
  unavailable: BenchRow,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'visemo-bench-storage-'));
  try {
    const embedded = await openStorage({ env: {}, dataDir, masterKey: generateMasterKey() });
    try {
      rows.push(...(await measure('PGlite', embedded)));
    } finally {
      await embedded.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const schema = `visemo_bench_${randomBytes(4).toString('hex')}`;
  let server: Storage | undefined;
  try {
    server = await openStorage({
      env: {},
      databaseUrl: POSTGRES_URL,
      schema,
      masterKey: generateMasterKey(),
    });
  } catch (error) {
    process.stderr.write(
      `  PostgreSQL at ${new URL(POSTGRES_URL).host} unavailable: ${(error as Error).message}\n`,
    );
  }
  if (!server) return [...rows, unavailable];
  try {
    rows.push(...(await measure('PostgreSQL', server)));
  } finally {
    await server.database.exec(`DROP SCHEMA "${schema}" CASCADE`);
    await server.close();
  }
  return rows;
}
