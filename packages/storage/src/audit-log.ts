import type { Pseudonyms } from './crypto/pseudonyms.js';
import type { Queryable } from './database.js';
import type { Actor } from './records.js';

export type AuditAction =
  | 'subject.export'
  | 'subject.erase'
  | 'data.read'
  | 'data.delete'
  | 'consent.change'
  | 'retention.purge'
  | 'keys.rotate'
  | 'model.register'
  | 'model.promote'
  | 'model.rollback'
  | 'curation.export'
  | `admin.${string}`;

/** Counts, flags and identifiers: never sentences, so never what a person said. */
export type AuditValue =
  | number
  | boolean
  | null
  | string
  | { [key: string]: number | boolean | string | null };
export type AuditDetails = Record<string, AuditValue>;

export interface AuditEntryInput {
  actor: Actor;
  action: AuditAction;
  /** Stored as its pseudonym. */
  subjectId?: string | null;
  details?: AuditDetails;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subjectPseudonym: string | null;
  details: AuditDetails;
}

export interface AuditQuery {
  subjectId?: string;
  action?: AuditAction;
  since?: Date;
  limit?: number;
}

// An identifier, a category, a uuid, an actor such as admin:alice@example.org — no whitespace.
const TOKEN = /^[A-Za-z0-9_.:@/#-]{0,80}$/;

/** The audit log: who accessed, exported, erased or administered whose data, and when. */
export class AuditLog {
  constructor(
    private readonly db: Queryable,
    private readonly pseudonyms: Pseudonyms,
    private readonly clock: () => Date,
  ) {}

  /** Appends one entry, in `tx` when given so it commits with the change it records. */
  async record(entry: AuditEntryInput, tx: Queryable = this.db): Promise<void> {
    checkToken('actor', entry.actor);
    checkToken('action', entry.action);
    const details = entry.details ?? {};
    checkDetails(details);
    await tx.query(
      'INSERT INTO audit_log (at, actor, action, subject_pseudonym, details) VALUES ($1, $2, $3, $4, $5::jsonb)',
      [
        this.clock().toISOString(),
        entry.actor,
        entry.action,
        entry.subjectId ? this.pseudonyms.subject(entry.subjectId) : null,
        JSON.stringify(details),
      ],
    );
  }

  /** Newest first. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<{
      id: string | number;
      at: Date;
      actor: string;
      action: string;
      subject_pseudonym: string | null;
      details: AuditDetails;
    }>(
      `SELECT id, at, actor, action, subject_pseudonym, details FROM audit_log
        WHERE ($1::text IS NULL OR subject_pseudonym = $1)
          AND ($2::text IS NULL OR action = $2)
          AND ($3::timestamptz IS NULL OR at >= $3)
        ORDER BY id DESC LIMIT $4`,
      [
        query.subjectId ? this.pseudonyms.subject(query.subjectId) : null,
        query.action ?? null,
        query.since?.toISOString() ?? null,
        query.limit ?? 1000,
      ],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at,
      actor: r.actor,
      action: r.action,
      subjectPseudonym: r.subject_pseudonym,
      details: r.details,
    }));
  }
}

function checkToken(field: string, value: string): void {
  if (!TOKEN.test(value)) {
    throw new TypeError(
      `audit ${field} must be an identifier without spaces (got ${JSON.stringify(value.slice(0, 20))}…)`,
    );
  }
}

function checkDetails(details: AuditDetails, nested = false): void {
  for (const [key, value] of Object.entries(details)) {
    checkToken('detail key', key);
    if (typeof value === 'string') checkToken(`detail ${key}`, value);
    else if (value !== null && typeof value === 'object') {
      if (nested) throw new TypeError('audit details nest one level at most');
      checkDetails(value as AuditDetails, true);
    } else if (value !== null && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new TypeError(`audit detail ${key} must be a number, boolean, identifier or a record of them`);
    }
  }
}
