import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type Database,
  generateMasterKey,
  openStorage,
  type Storage,
  type StorageOptions,
} from '../src/index.js';
import { PgliteDatabase } from '../src/pglite-database.js';
import { PostgresDatabase } from '../src/postgres-database.js';

export const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A storage backend under test: every `open` of one instance sees the same database. */
export interface BackendInstance {
  open(options?: Partial<StorageOptions>): Promise<Storage>;
  /** The database alone, without the storage's checks (to repair what a test broke). */
  raw(): Promise<Database>;
  /** Drops the temporary database. */
  destroy(): Promise<void>;
  readonly dataDir?: string;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  /** Why the backend's tests are skipped, when they are. */
  unavailable?: string;
  create(): BackendInstance;
}

async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${new URL(POSTGRES_URL).host} is unreachable (${(error as Error).message}): its tests are skipped; set DATABASE_URL to run them`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgUnavailable = await postgresUnavailable();
if (pgUnavailable) console.warn(pgUnavailable);

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public now = new Date('2026-03-01T12:00:00.000Z')) {}
  readonly read = () => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export const DAY = 86_400_000;

export const BACKENDS: Backend[] = [
  {
    name: 'pglite',
    create() {
      const dataDir = mkdtempSync(join(tmpdir(), 'visemo-storage-'));
      return {
        dataDir,
        open: (options = {}) => openStorage({ env: {}, dataDir, ...options }),
        raw: () => PgliteDatabase.open(join(dataDir, 'pglite')),
        async destroy() {
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    ...(pgUnavailable ? { unavailable: pgUnavailable } : {}),
    create() {
      const schema = `visemo_test_${randomBytes(6).toString('hex')}`;
      return {
        open: (options = {}) =>
          openStorage({ env: {}, databaseUrl: POSTGRES_URL, schema, poolSize: 4, ...options }),
        raw: () => PostgresDatabase.open({ connectionString: POSTGRES_URL, schema }),
        async destroy() {
          const client = new pg.Client({ connectionString: POSTGRES_URL });
          await client.connect();
          try {
            await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

export { generateMasterKey };

/** Paths under `dir` (relative) whose bytes contain `needle`: what an erasure must leave nowhere. */
export function filesContaining(dir: string, needle: Buffer): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (readFileSync(path).includes(needle)) found.push(path.slice(dir.length));
    }
  };
  walk(dir);
  return found;
}

/** Every row of every table, as text: a value found here is stored somewhere in the database. */
export async function allRowsText(db: Database): Promise<string> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const { rows: data } = await db.query(`SELECT * FROM "${table_name}"`);
    for (const row of data) {
      const values = Object.values(row).map((v) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : JSON.stringify(v),
      );
      parts.push(`${table_name}: ${values.join(' | ')}`);
    }
  }
  return parts.join('\n');
}
