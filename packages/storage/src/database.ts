/** One row as the driver returns it: column name → value. */
export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows inserted, updated or deleted by the statement (0 for a SELECT on some drivers). */
  rowCount: number;
}

/** What both a database and an open transaction can do. */
export interface Queryable {
  /** One statement with `$1`-style parameters. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The SQL database the stores run on: embedded PGlite or a PostgreSQL server. Both speak the same
 * SQL, so the schema, its migrations and every statement are shared.
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Reclaims the space of deleted rows, outside any transaction. `full` rewrites each table into a
   * new file (VACUUM FULL), so deleted rows leave no bytes in the table's live files.
   */
  vacuum(tables: readonly string[], options?: { full?: boolean }): Promise<void>;
  /**
   * Ends the current write-ahead-log segment and checkpoints, so segments that held deleted rows
   * are removed. Only the embedded database, whose files are ours; returns false on a server, whose
   * WAL (and its archive and replicas) belongs to its operator.
   */
  retireWal(): Promise<boolean>;
  /** Bytes on disk of the named tables, with their indexes and TOAST. */
  tableBytes(tables: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
