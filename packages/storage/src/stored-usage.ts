import type { Database } from './database.js';

/** What the stored sessions say about how an agent is used: the inputs of a cost forecast. */
export interface StoredUsage {
  sessions: number;
  turns: number;
  /** From each session's start to its end (or, while open, its last turn). */
  sessionSeconds: number;
  /** Turns by what answered them (`intent`, `knowledge`, `llm`, …). */
  answeredBy: Record<string, number>;
  /** Turns by the provider that served each hop, e.g. `{ tts: { flite: 12 } }`. */
  providers: Record<string, Record<string, number>>;
  /** Bytes on disk of the tables a conversation writes, with their indexes and TOAST. */
  bytes: number;
}

/** Every table a conversation writes to; what a deployment pays to keep. */
const CONVERSATION_TABLES = [
  'subjects',
  'subject_keys',
  'sessions',
  'turns',
  'turn_telemetry',
  'audio_recordings',
  'memory_facts',
  'consent_records',
  'audit_log',
];

/**
 * Counts over the stored sessions and turns (of one agent, or all). Reads no text: only counts,
 * durations and the providers each turn names.
 */
export async function storedUsage(db: Database, agent?: string): Promise<StoredUsage> {
  const params = [agent ?? null];
  const ofAgent = '($1::text IS NULL OR s.agent = $1)';
  const [totals, answered, providers] = await Promise.all([
    db.query<{ sessions: number; turns: number; seconds: number }>(
      `SELECT count(*)::int AS sessions,
              COALESCE(sum((SELECT count(*) FROM turns t WHERE t.session_id = s.id)), 0)::int AS turns,
              COALESCE(sum(EXTRACT(EPOCH FROM COALESCE(s.ended_at, s.last_active_at) - s.started_at)), 0)::float8
                AS seconds
         FROM sessions s WHERE ${ofAgent}`,
      params,
    ),
    db.query<{ name: string; n: number }>(
      `SELECT COALESCE(t.answered_by, '(none)') AS name, count(*)::int AS n
         FROM turns t JOIN sessions s ON s.id = t.session_id WHERE ${ofAgent} GROUP BY 1`,
      params,
    ),
    db.query<{ hop: string; provider: string; n: number }>(
      `SELECT p.key AS hop, p.value #>> '{}' AS provider, count(*)::int AS n
         FROM turns t JOIN sessions s ON s.id = t.session_id, jsonb_each(t.providers) AS p
        WHERE ${ofAgent} AND jsonb_typeof(p.value) = 'string' GROUP BY 1, 2`,
      params,
    ),
  ]);
  const byHop: StoredUsage['providers'] = {};
  for (const { hop, provider, n } of providers.rows) byHop[hop] = { ...byHop[hop], [provider]: n };
  return {
    sessions: totals.rows[0]?.sessions ?? 0,
    turns: totals.rows[0]?.turns ?? 0,
    sessionSeconds: totals.rows[0]?.seconds ?? 0,
    answeredBy: Object.fromEntries(answered.rows.map((r) => [r.name, r.n])),
    providers: byHop,
    bytes: await db.tableBytes(CONVERSATION_TABLES),
  };
}
