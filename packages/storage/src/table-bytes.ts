import type { Queryable } from './database.js';

/** Bytes on disk of the named tables in the current schema, with their indexes and TOAST. */
export async function totalRelationBytes(db: Queryable, tables: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ bytes: number | null }>(
    `SELECT sum(pg_total_relation_size(to_regclass(t)))::float8 AS bytes
       FROM jsonb_array_elements_text($1::jsonb) AS t`,
    [JSON.stringify(tables)],
  );
  return rows[0]?.bytes ?? 0;
}
