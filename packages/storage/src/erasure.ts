import type { AuditLog } from './audit-log.js';
import type { Pseudonyms } from './crypto/pseudonyms.js';
import type { SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database } from './database.js';
import type { Actor } from './records.js';
import { isUuid } from './uuid.js';

/** Tables holding the subject's rows, children first: each is counted as it is emptied. */
const SUBJECT_TABLES = [
  'audio_recordings',
  'memory_facts',
  'turns',
  'sessions',
  'consent_records',
  'subject_keys',
] as const;

export interface ErasureReport {
  /** The subject as the audit log names it. */
  subjectPseudonym: string;
  /** False when nothing was stored under the id (erasing twice is not an error). */
  found: boolean;
  erasedAt: Date;
  /** Rows deleted per table. */
  deleted: Record<(typeof SUBJECT_TABLES)[number] | 'subjects', number>;
  /** Telemetry rows that lost the subject's pseudonym: they stay as anonymous aggregates. */
  telemetryAnonymised: number;
  /** The tables rewritten, so deleted rows left no bytes in their files. */
  tablesRewritten: string[];
  /** The embedded database's WAL that held the rows was removed (false on a server: see docs/storage.md). */
  walRetired: boolean;
}

export interface ErasureOptions {
  actor: Actor;
  /**
   * Also rewrite every table the subject had rows in (not only the key and subject tables), so not
   * even their unencrypted metadata (ids, times, intents, consent states) survives as dead rows.
   * Locks and copies each whole table: for small deployments, or a regulator's strict reading.
   */
  rewriteAllTables?: boolean;
}

/**
 * GDPR Art. 17: deletes every row of the subject and its data key in one transaction, audited under
 * the subject's pseudonym. Then the key and subject tables are rewritten and, on the embedded
 * database, the WAL is retired, so the wrapped key survives in no live file: any copy of the
 * subject's ciphertext left elsewhere (dead tuples, a backup) can no longer be decrypted.
 */
export async function eraseSubject(
  db: Database,
  keys: SubjectKeyStore,
  pseudonyms: Pseudonyms,
  audit: AuditLog,
  clock: () => Date,
  subjectId: string,
  options: ErasureOptions,
): Promise<ErasureReport> {
  const pseudonym = pseudonyms.subject(subjectId);
  const erasedAt = clock();
  const deleted = Object.fromEntries(
    [...SUBJECT_TABLES, 'subjects'].map((t) => [t, 0]),
  ) as ErasureReport['deleted'];
  const { found, telemetryAnonymised } = await db.transaction(async (tx) => {
    const exists =
      isUuid(subjectId) &&
      (await tx.query('SELECT 1 FROM subjects WHERE id = $1 FOR UPDATE', [subjectId])).rows.length > 0;
    if (exists) {
      for (const table of SUBJECT_TABLES) {
        deleted[table] = (await tx.query(`DELETE FROM ${table} WHERE subject_id = $1`, [subjectId])).rowCount;
      }
      deleted.subjects = (await tx.query('DELETE FROM subjects WHERE id = $1', [subjectId])).rowCount;
    }
    const anonymised = (
      await tx.query('UPDATE turn_telemetry SET subject_pseudonym = NULL WHERE subject_pseudonym = $1', [
        pseudonym,
      ])
    ).rowCount;
    await audit.record(
      {
        actor: options.actor,
        action: 'subject.erase',
        subjectId,
        details: { found: exists, ...deleted, telemetryAnonymised: anonymised },
      },
      tx,
    );
    return { found: exists, telemetryAnonymised: anonymised };
  });
  keys.forget(subjectId);
  let tablesRewritten: string[] = [];
  let walRetired = false;
  if (found) {
    tablesRewritten = options.rewriteAllTables
      ? [...SUBJECT_TABLES, 'subjects', 'turn_telemetry']
      : ['subject_keys', 'subjects'];
    await db.vacuum(tablesRewritten, { full: true });
    walRetired = await db.retireWal();
  }
  return {
    subjectPseudonym: pseudonym,
    found,
    erasedAt,
    deleted,
    telemetryAnonymised,
    tablesRewritten,
    walRetired,
  };
}
