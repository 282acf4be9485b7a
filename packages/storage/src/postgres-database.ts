import pg from 'pg';
import type { Database, Queryable, QueryResult, Row } from './database.js';
import { sqlIdentifier } from './identifiers.js';
import { totalRelationBytes } from './table-bytes.js';

export interface PostgresOptions {
  connectionString: string;
  /** Tables live in this schema (created when missing); default: the server's search_path. */
  schema?: string;
  /** Pooled connections; default 10. */
  poolSize?: number;
  /** Errors of idle pooled connections (a server restart); the next query reports its own. */
  onError?: (error: Error) => void;
}

/** A PostgreSQL server through a pool of node-postgres connections. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool) {}

  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const schema = options.schema ? sqlIdentifier(options.schema) : undefined;
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    pool.on('error', (error) => options.onError?.(error));
    const db = new PostgresDatabase(pool);
    try {
      if (schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      else await db.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw error;
    }
    return db;
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return toResult<R>(await this.pool.query(sql, params as unknown[]));
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R = Row>(sql: string, params: readonly unknown[] = []) =>
          toResult<R>(await client.query(sql, params as unknown[])),
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // A connection that cannot roll back is not given back to the pool.
        broken = rollbackError;
      }
      throw error;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async vacuum(tables: readonly string[], options: { full?: boolean } = {}): Promise<void> {
    await this.exec(`VACUUM ${options.full ? 'FULL ' : ''}${tables.map(sqlIdentifier).join(', ')}`);
  }

  async retireWal(): Promise<boolean> {
    return false;
  }

  tableBytes(tables: readonly string[]): Promise<number> {
    return totalRelationBytes(this, tables);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}
