import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { DataDirLock } from './data-dir-lock.js';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { sqlIdentifier } from './identifiers.js';
import { SerialQueue } from './serial-queue.js';
import { totalRelationBytes } from './table-bytes.js';

/**
 * Embedded PostgreSQL (PGlite, WASM) in a data directory, or in memory when `dataDir` is omitted.
 * One connection: statements and whole transactions are serialised here.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private readonly queue = new SerialQueue();

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: DataDirLock | null,
  ) {}

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = dataDir ? DataDirLock.acquire(`${dataDir}.lock`) : null;
    try {
      return new PgliteDatabase(await startPglite(dataDir), lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.queue.run(() => runQuery<R>(this.pg, sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.queue.run(async () => {
      await this.pg.exec(sql);
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.queue.run(() =>
      this.pg.transaction((tx) =>
        fn({
          query: <R = Row>(sql: string, params: readonly unknown[] = []) => runQuery<R>(tx, sql, params),
          exec: async (sql: string) => {
            await tx.exec(sql);
          },
        }),
      ),
    );
  }

  vacuum(tables: readonly string[], options: { full?: boolean } = {}): Promise<void> {
    const names = tables.map(sqlIdentifier).join(', ');
    return this.exec(`VACUUM ${options.full ? 'FULL ' : ''}${names}`);
  }

  async retireWal(): Promise<boolean> {
    // The switch closes the segment that holds the deleted rows; the checkpoint then removes it
    // (with wal_recycle off). A second round covers a switch that found the segment empty.
    for (let round = 0; round < 2; round++) await this.exec('SELECT pg_switch_wal(); CHECKPOINT;');
    return true;
  }

  async tableBytes(tables: readonly string[]): Promise<number> {
    return totalRelationBytes(this, tables);
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      if (!this.pg.closed) await this.pg.close();
      this.lock?.release();
    });
  }
}

async function startPglite(dataDir: string | undefined): Promise<PGlite> {
  const pg = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    // Retired WAL segments are deleted rather than renamed for reuse, and new ones start zeroed:
    // a recycled segment would keep the bytes of erased rows until it happened to be overwritten.
    startParams: [...PGlite.defaultStartParams, '-c', 'wal_recycle=off', '-c', 'wal_init_zero=on'],
  });
  await pg.waitReady;
  return pg;
}

async function runQuery<R>(
  target: PGlite | Transaction,
  sql: string,
  params: readonly unknown[],
): Promise<QueryResult<R>> {
  const result = await target.query<R>(sql, params as unknown[]);
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}
