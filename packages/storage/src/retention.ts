import type { AuditLog } from './audit-log.js';
import { clearTranscripts } from './category-data.js';
import type { Database, Queryable } from './database.js';
import { type PeriodicJob, type PeriodicJobOptions, startPeriodicJob } from './periodic-job.js';
import { durationMs, type RetentionConfig, type RetentionPolicy } from './retention-policy.js';
import { dropUnconsentedTranscripts } from './sessions.js';

export interface AgentPurge {
  /** Sessions idle past `idleSession`, ended as abandoned. */
  abandonedSessions: number;
  audio: number;
  /** Turns whose text was removed. */
  transcripts: number;
  memory: number;
  /** Ended sessions deleted, with whatever was left of their turns and recordings. */
  sessions: number;
  aggregates: number;
}

export interface PurgeReport {
  at: Date;
  agents: Record<string, AgentPurge>;
  /** Audit entries past the audit retention. */
  audit: number;
  /** All rows purged or cleared. */
  total: number;
}

// Tables a purge deletes from: the embedded database has no autovacuum to make their space reusable.
const PURGED_TABLES = [
  'audio_recordings',
  'turns',
  'memory_facts',
  'sessions',
  'turn_telemetry',
  'audit_log',
];

/**
 * Enforces retention as of `now`: per agent and category, then the audit log. Each agent is purged in
 * its own transaction, so a long purge holds no lock for long. The purge itself is audited.
 */
export async function purgeExpired(
  db: Database,
  audit: AuditLog,
  retention: RetentionConfig,
  now: Date,
): Promise<PurgeReport> {
  const { rows } = await db.query<{ agent: string }>(
    `SELECT agent FROM sessions UNION SELECT agent FROM memory_facts UNION SELECT agent FROM turn_telemetry`,
  );
  const agents = [...new Set([...rows.map((r) => r.agent), ...Object.keys(retention.agents)])].sort();
  const report: PurgeReport = { at: now, agents: {}, audit: 0, total: 0 };
  for (const agent of agents) {
    const policy = retention.agents[agent] ?? retention.default;
    const purged = await db.transaction((tx) => purgeAgent(tx, agent, policy, now));
    report.agents[agent] = purged;
    report.total += Object.values(purged).reduce((a, b) => a + b, 0);
  }
  const auditCutoff = cutoff(now, retention.audit);
  if (auditCutoff) {
    report.audit = (await db.query('DELETE FROM audit_log WHERE at < $1', [auditCutoff])).rowCount;
    report.total += report.audit;
  }
  if (report.total > 0) {
    const totals: Record<string, number> = {};
    for (const purged of Object.values(report.agents)) {
      for (const [category, n] of Object.entries(purged)) totals[category] = (totals[category] ?? 0) + n;
    }
    await audit.record({
      actor: 'system:retention',
      action: 'retention.purge',
      details: { ...totals, audit: report.audit },
    });
    if (db.kind === 'pglite') await db.vacuum(PURGED_TABLES);
  }
  return report;
}

async function purgeAgent(
  tx: Queryable,
  agent: string,
  policy: RetentionPolicy,
  now: Date,
): Promise<AgentPurge> {
  const purged: AgentPurge = {
    abandonedSessions: 0,
    audio: 0,
    transcripts: 0,
    memory: 0,
    sessions: 0,
    aggregates: 0,
  };
  const idle = cutoff(now, policy.idleSession);
  if (idle) {
    const { rows } = await tx.query<{ id: string; subject_id: string }>(
      `UPDATE sessions SET ended_at = $3, end_reason = 'abandoned'
        WHERE agent = $1 AND ended_at IS NULL AND last_active_at < $2 RETURNING id, subject_id`,
      [agent, idle, now.toISOString()],
    );
    for (const row of rows) await dropUnconsentedTranscripts(tx, row.subject_id, row.id);
    purged.abandonedSessions = rows.length;
  }
  const audio = cutoff(now, policy.audio);
  if (audio) {
    purged.audio = (
      await tx.query(
        `DELETE FROM audio_recordings a USING sessions s
          WHERE a.session_id = s.id AND s.agent = $1 AND a.created_at < $2`,
        [agent, audio],
      )
    ).rowCount;
  }
  const transcripts = cutoff(now, policy.transcripts);
  if (transcripts) {
    purged.transcripts = await clearTranscripts(
      tx,
      'session_id IN (SELECT id FROM sessions WHERE agent = $1) AND started_at < $2',
      [agent, transcripts],
    );
  }
  const memory = cutoff(now, policy.memory);
  if (memory) {
    purged.memory = (
      await tx.query('DELETE FROM memory_facts WHERE agent = $1 AND updated_at < $2', [agent, memory])
    ).rowCount;
  }
  const sessions = cutoff(now, policy.sessions);
  if (sessions) {
    purged.sessions = (
      await tx.query(
        'DELETE FROM sessions WHERE agent = $1 AND ended_at IS NOT NULL AND last_active_at < $2',
        [agent, sessions],
      )
    ).rowCount;
  }
  const aggregates = cutoff(now, policy.aggregates);
  if (aggregates) {
    purged.aggregates = (
      await tx.query('DELETE FROM turn_telemetry WHERE agent = $1 AND occurred_at < $2', [agent, aggregates])
    ).rowCount;
  }
  return purged;
}

/** The ISO time before which data of this duration has expired; null for "forever". */
function cutoff(now: Date, duration: string): string | null {
  const ms = durationMs(duration);
  return Number.isFinite(ms) ? new Date(now.getTime() - ms).toISOString() : null;
}

export type RetentionJobOptions = Partial<PeriodicJobOptions<PurgeReport>>;
export type RetentionJob = PeriodicJob<PurgeReport>;

/** Purges every `intervalMs` (default one hour). */
export function startRetentionJob(
  purge: () => Promise<PurgeReport>,
  options: RetentionJobOptions = {},
): RetentionJob {
  return startPeriodicJob(purge, { ...options, intervalMs: options.intervalMs ?? 3_600_000 });
}
