import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { Database } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** SHA-256 of the script (line endings normalised): an applied migration must not change. */
  checksum: string;
}

export interface MigrationReport {
  /** The schema version after migrating. */
  version: number;
  /** Versions applied by this call; empty when the schema was already current. */
  applied: number[];
}

const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// Any constant: serialises processes that start against the same server at the same moment.
const MIGRATION_LOCK = 0x7669_7365;

/** The migrations shipped with the code, `migrations/NNNN_name.sql`, in order. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: FILE_NAME.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => {
      const sql = readFileSync(new URL(file, dir), 'utf8').replace(/\r\n/g, '\n');
      return {
        version: Number(match[1]),
        name: match[2] as string,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  // Versions rise and never repeat; a gap is allowed, so changes made side by side can each take
  // a number and be merged in either order (`migrate` applies whichever are missing).
  migrations.forEach((m, i) => {
    const before = migrations[i - 1];
    if (i === 0 ? m.version !== 1 : before && m.version <= before.version)
      throw new Error(
        `migration versions must start at 1 and rise: found ${m.version} after ${before?.version ?? 0}`,
      );
  });
  return migrations;
}

/**
 * Brings the schema up to the code's version, each pending migration in the one transaction with
 * its bookkeeping row. Running it again changes nothing. A database migrated by newer code, or whose
 * applied migrations differ from the code's, is refused: this code cannot know what it would break.
 */
export async function migrate(
  db: Database,
  migrations: Migration[] = loadMigrations(),
): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS visemo_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM visemo_migrations ORDER BY version',
    );
    const latest = migrations.at(-1)?.version ?? 0;
    const newest = rows.at(-1)?.version ?? 0;
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    if (newest > latest) {
      throw new VisemoError(
        ErrorCode.StorageSchemaMismatch,
        `the database schema is at version ${newest}, newer than this code's ${latest}: upgrade Visemo, or use another database`,
      );
    }
    for (const row of rows) {
      const known = byVersion.get(row.version);
      if (!known || known.name !== row.name || known.checksum !== row.checksum) {
        throw new VisemoError(
          ErrorCode.StorageSchemaMismatch,
          `applied migration ${row.version} (${row.name}) differs from this code's migrations/${String(row.version).padStart(4, '0')}_${known?.name ?? '?'}.sql`,
        );
      }
    }
    const applied: number[] = [];
    const done = new Set(rows.map((row) => row.version));
    for (const migration of migrations.filter((m) => !done.has(m.version))) {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO visemo_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push(migration.version);
    }
    return { version: latest, applied };
  });
}
