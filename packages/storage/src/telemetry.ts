import type { Queryable } from './database.js';

export interface TelemetryQuery {
  agent?: string;
  since?: Date;
  until?: Date;
}

export interface TelemetrySummary {
  turns: number;
  /** Distinct subject pseudonyms (erased subjects no longer count apart). */
  subjects: number;
  interrupted: number;
  byIntent: Record<string, number>;
  byAnsweredBy: Record<string, number>;
  /** Per hop of `latency`, e.g. `nluMs`. */
  latencyMs: Record<string, { p50: number; p95: number }>;
}

/** Aggregates over per-turn telemetry: no text, no subject id, so they may be kept indefinitely. */
export class TelemetryStore {
  constructor(private readonly db: Queryable) {}

  async summary(query: TelemetryQuery = {}): Promise<TelemetrySummary> {
    const where = `($1::text IS NULL OR agent = $1) AND ($2::timestamptz IS NULL OR occurred_at >= $2)
                   AND ($3::timestamptz IS NULL OR occurred_at < $3)`;
    const params = [
      query.agent ?? null,
      query.since?.toISOString() ?? null,
      query.until?.toISOString() ?? null,
    ];
    const [totals, intents, answered, latency] = await Promise.all([
      this.db.query<{ turns: number; subjects: number; interrupted: number }>(
        `SELECT count(*)::int AS turns, count(DISTINCT subject_pseudonym)::int AS subjects,
                count(*) FILTER (WHERE interrupted)::int AS interrupted
           FROM turn_telemetry WHERE ${where}`,
        params,
      ),
      this.db.query<{ name: string; n: number }>(
        `SELECT COALESCE(intent, '(none)') AS name, count(*)::int AS n FROM turn_telemetry WHERE ${where} GROUP BY 1`,
        params,
      ),
      this.db.query<{ name: string; n: number }>(
        `SELECT COALESCE(answered_by, '(none)') AS name, count(*)::int AS n FROM turn_telemetry WHERE ${where} GROUP BY 1`,
        params,
      ),
      this.db.query<{ hop: string; p50: number; p95: number }>(
        `SELECT hop.key AS hop,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY hop.value::float8) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY hop.value::float8) AS p95
           FROM turn_telemetry, jsonb_each_text(latency) AS hop WHERE ${where} GROUP BY hop.key`,
        params,
      ),
    ]);
    const counts = (rows: { name: string; n: number }[]) =>
      Object.fromEntries(rows.map((r) => [r.name, r.n]));
    return {
      turns: totals.rows[0]?.turns ?? 0,
      subjects: totals.rows[0]?.subjects ?? 0,
      interrupted: totals.rows[0]?.interrupted ?? 0,
      byIntent: counts(intents.rows),
      byAnsweredBy: counts(answered.rows),
      latencyMs: Object.fromEntries(latency.rows.map((r) => [r.hop, { p50: r.p50, p95: r.p95 }])),
    };
  }
}
