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

  /** The user signals of one window, per flag variant when asked (drift detection compares them). */
  signals(query: SignalQuery): Promise<WindowSignals[]> {
    return windowSignals(this.db, query);
  }
}

/** Confidence bins of `WindowSignals.confidence`: [0, 0.1), [0.1, 0.2) … [0.9, 1]. */
export const CONFIDENCE_BINS = 10;

export interface SignalQuery {
  agent: string;
  since: Date;
  until: Date;
  /** Split by this flag's variant (`turn_telemetry.flags`); rows without it are `(unset)`. */
  byFlag?: string;
}

/** What a window of telemetry says about its users' experience: counts, for drift to compare. */
export interface WindowSignals {
  /** The flag variant, when split by a flag; null for all rows. */
  variant: string | null;
  turns: number;
  /** Turns the person started (spoken or typed), not the greeting. */
  userTurns: number;
  speechTurns: number;
  /** User turns the dialogue answered with its fallback ("say that again"). */
  notUnderstood: number;
  handedOff: number;
  /** Speech turns whose utterance the recognizer rejected. */
  asrRejected: number;
  /** Turns whose answer was cut by a barge-in or a stop. */
  interrupted: number;
  /** Turns the person rated, and those rated down. */
  rated: number;
  thumbsDown: number;
  /** User turns by intent, `(none)` when nothing matched. */
  intents: Record<string, number>;
  /** Per intent, user turns per confidence bin (`CONFIDENCE_BINS` counts). */
  confidence: Record<string, number[]>;
}

const NO_VARIANT = '(all)';

/** The signals of one window, as rows aggregated in the database (a window may hold millions). */
export async function windowSignals(db: Queryable, query: SignalQuery): Promise<WindowSignals[]> {
  const variant = `CASE WHEN $4::text IS NULL THEN '${NO_VARIANT}' ELSE COALESCE(flags->>$4, '(unset)') END`;
  const where = 'agent = $1 AND occurred_at >= $2 AND occurred_at < $3';
  const params = [query.agent, query.since.toISOString(), query.until.toISOString(), query.byFlag ?? null];
  const [totals, intents] = await Promise.all([
    db.query<
      { variant: string } & Record<Exclude<keyof WindowSignals, 'variant' | 'intents' | 'confidence'>, number>
    >(
      `SELECT ${variant} AS variant,
              count(*)::int AS turns,
              count(*) FILTER (WHERE input_source IS NOT NULL)::int AS "userTurns",
              count(*) FILTER (WHERE input_source = 'speech')::int AS "speechTurns",
              count(*) FILTER (WHERE input_source IS NOT NULL AND answered_by = 'fallback')::int AS "notUnderstood",
              count(*) FILTER (WHERE handed_off)::int AS "handedOff",
              count(*) FILTER (WHERE input_source = 'speech' AND asr_rejected)::int AS "asrRejected",
              count(*) FILTER (WHERE interrupted)::int AS interrupted,
              count(feedback)::int AS rated,
              count(*) FILTER (WHERE feedback = 'down')::int AS "thumbsDown"
         FROM turn_telemetry WHERE ${where} GROUP BY 1`,
      params,
    ),
    db.query<{ variant: string; intent: string; bin: number | null; n: number }>(
      `SELECT ${variant} AS variant, COALESCE(intent, '(none)') AS intent,
              LEAST(floor(confidence * ${CONFIDENCE_BINS}), ${CONFIDENCE_BINS - 1})::int AS bin, count(*)::int AS n
         FROM turn_telemetry WHERE ${where} AND input_source IS NOT NULL GROUP BY 1, 2, 3`,
      params,
    ),
  ]);
  const windows = new Map<string, WindowSignals>();
  for (const row of totals.rows) {
    const { variant: name, ...counts } = row;
    windows.set(name, { variant: query.byFlag ? name : null, ...counts, intents: {}, confidence: {} });
  }
  for (const { variant: name, intent, bin, n } of intents.rows) {
    const window = windows.get(name);
    if (!window) continue;
    window.intents[intent] = (window.intents[intent] ?? 0) + n;
    if (bin === null || intent === '(none)') continue;
    const bins = window.confidence[intent] ?? new Array<number>(CONFIDENCE_BINS).fill(0);
    window.confidence[intent] = bins;
    const at = Math.max(0, bin);
    bins[at] = (bins[at] ?? 0) + n;
  }
  return [...windows.values()].sort((a, b) => (a.variant ?? '').localeCompare(b.variant ?? ''));
}
