import type { AuditLog } from './audit-log.js';
import { consentGranted } from './consent.js';
import type { SubjectCipher, SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database, Queryable } from './database.js';
import type { MemoryFact, ReadOptions } from './records.js';
import { lockSubject } from './subject-lock.js';
import { isUuid } from './uuid.js';

interface FactRow {
  key_enc: Uint8Array;
  value_enc: Uint8Array;
  agent: string;
  source_turn_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MemoryFactInput {
  key: string;
  value: string;
  /** The agent that learned it: its retention applies. */
  agent: string;
  /** The turn it was learned in. */
  sourceTurnId?: string | null;
}

const KEY_PURPOSE = 'memory_facts.key';

/**
 * What the agent remembers about a subject across sessions: key → value, both encrypted, stored only
 * with consent to memory.
 */
export class MemoryStore {
  constructor(
    private readonly db: Database,
    private readonly keys: SubjectKeyStore,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

  /** Sets the fact, or stores nothing (null) without consent to memory. */
  async upsert(subjectId: string, fact: MemoryFactInput): Promise<MemoryFact | null> {
    const cipher = await this.keys.cipher(this.db, subjectId);
    const now = this.clock();
    const sourceTurnId = fact.sourceTurnId && isUuid(fact.sourceTurnId) ? fact.sourceTurnId : null;
    const stored = await this.db.transaction(async (tx) => {
      await lockSubject(tx, subjectId, 'share');
      if (!(await consentGranted(tx, subjectId, 'memory'))) return null;
      const { rows } = await tx.query<{ created_at: Date; source_turn_id: string | null }>(
        `INSERT INTO memory_facts (subject_id, key_ref, key_enc, value_enc, agent, source_turn_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, (SELECT id FROM turns WHERE id = $6 AND subject_id = $1), $7, $7)
         ON CONFLICT (subject_id, key_ref) DO UPDATE
           SET value_enc = EXCLUDED.value_enc, agent = EXCLUDED.agent, source_turn_id = EXCLUDED.source_turn_id,
               updated_at = EXCLUDED.updated_at
         RETURNING created_at, source_turn_id`,
        [
          subjectId,
          cipher.reference(KEY_PURPOSE, fact.key),
          cipher.sealText('memory_facts', 'key', fact.key),
          cipher.sealText('memory_facts', 'value', fact.value),
          fact.agent,
          sourceTurnId,
          now.toISOString(),
        ],
      );
      return rows[0] ?? null;
    });
    if (!stored) return null;
    return {
      key: fact.key,
      value: fact.value,
      agent: fact.agent,
      sourceTurnId: stored.source_turn_id,
      createdAt: stored.created_at,
      updatedAt: now,
    };
  }

  async get(subjectId: string, key: string): Promise<MemoryFact | null> {
    const cipher = await this.keys.cipher(this.db, subjectId);
    const { rows } = await this.db.query<FactRow>(
      `SELECT key_enc, value_enc, agent, source_turn_id, created_at, updated_at
         FROM memory_facts WHERE subject_id = $1 AND key_ref = $2`,
      [subjectId, cipher.reference(KEY_PURPOSE, key)],
    );
    return rows[0] ? toFact(cipher, rows[0]) : null;
  }

  /** Every fact of the subject, by key. An unknown subject has none. */
  async list(subjectId: string, options: ReadOptions = {}, db: Queryable = this.db): Promise<MemoryFact[]> {
    if (!isUuid(subjectId)) return [];
    const { rows } = await db.query<FactRow>(
      `SELECT key_enc, value_enc, agent, source_turn_id, created_at, updated_at
         FROM memory_facts WHERE subject_id = $1`,
      [subjectId],
    );
    if (rows.length === 0) return [];
    const cipher = await this.keys.cipher(db, subjectId);
    const facts = rows.map((row) => toFact(cipher, row)).sort((a, b) => a.key.localeCompare(b.key));
    if (options.actor) {
      await this.audit.record({
        actor: options.actor,
        action: 'data.read',
        subjectId,
        details: { category: 'memory', facts: facts.length },
      });
    }
    return facts;
  }

  /** Whether there was such a fact. */
  async delete(subjectId: string, key: string): Promise<boolean> {
    const cipher = await this.keys.cipher(this.db, subjectId);
    const { rowCount } = await this.db.query(
      'DELETE FROM memory_facts WHERE subject_id = $1 AND key_ref = $2',
      [subjectId, cipher.reference(KEY_PURPOSE, key)],
    );
    return rowCount > 0;
  }
}

function toFact(cipher: SubjectCipher, row: FactRow): MemoryFact {
  return {
    key: cipher.openText('memory_facts', 'key', row.key_enc),
    value: cipher.openText('memory_facts', 'value', row.value_enc),
    agent: row.agent,
    sourceTurnId: row.source_turn_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
