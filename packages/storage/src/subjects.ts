import { randomUUID } from 'node:crypto';
import type { Pseudonyms } from './crypto/pseudonyms.js';
import type { SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database, Queryable } from './database.js';
import type { StoredSubject } from './records.js';
import { isUuid } from './uuid.js';

interface SubjectRow {
  id: string;
  external_id_enc: Uint8Array | null;
  created_at: Date;
}

export interface EnsureSubjectOptions {
  /** A subject id the client kept (e.g. in a cookie); a new subject when it is unknown. */
  id?: string;
  /** The embedding site's own id for the visitor: the same subject every time it is given. */
  externalId?: string;
}

/** Subjects (visitors) and their data keys. */
export class SubjectStore {
  constructor(
    private readonly db: Database,
    private readonly keys: SubjectKeyStore,
    private readonly pseudonyms: Pseudonyms,
    private readonly clock: () => Date,
  ) {}

  /**
   * The subject with this external id, or this id, or a new one; `created` tells which. An unknown
   * or malformed `id` gives a new subject with a new id (an erased visitor's cookie starts afresh).
   */
  async ensure(options: EnsureSubjectOptions = {}): Promise<{ subject: StoredSubject; created: boolean }> {
    if (options.externalId !== undefined) {
      const found = await this.findByExternalId(options.externalId);
      if (found) return { subject: found, created: false };
    } else if (options.id !== undefined) {
      const found = await this.get(options.id);
      if (found) return { subject: found, created: false };
    }
    return this.create(options.externalId);
  }

  async create(externalId?: string): Promise<{ subject: StoredSubject; created: boolean }> {
    const id = randomUUID();
    const now = this.clock();
    const ref = externalId === undefined ? null : this.pseudonyms.externalRef(externalId);
    const inserted = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO subjects (id, external_ref, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (external_ref) DO NOTHING RETURNING id`,
        [id, ref, now.toISOString()],
      );
      if (rows.length === 0) return false;
      const cipher = await this.keys.create(tx, id, now);
      if (externalId !== undefined) {
        await tx.query('UPDATE subjects SET external_id_enc = $2 WHERE id = $1', [
          id,
          cipher.sealText('subjects', 'external_id', externalId),
        ]);
      }
      return true;
    });
    if (!inserted) {
      // Another request created the same external id's subject first.
      const existing = externalId === undefined ? null : await this.findByExternalId(externalId);
      if (existing) return { subject: existing, created: false };
    }
    return { subject: { id, externalId: externalId ?? null, createdAt: now }, created: true };
  }

  async get(id: string, db: Queryable = this.db): Promise<StoredSubject | null> {
    if (!isUuid(id)) return null;
    const { rows } = await db.query<SubjectRow>(
      'SELECT id, external_id_enc, created_at FROM subjects WHERE id = $1',
      [id],
    );
    return rows[0] ? this.toSubject(rows[0], db) : null;
  }

  async findByExternalId(externalId: string): Promise<StoredSubject | null> {
    const { rows } = await this.db.query<SubjectRow>(
      'SELECT id, external_id_enc, created_at FROM subjects WHERE external_ref = $1',
      [this.pseudonyms.externalRef(externalId)],
    );
    return rows[0] ? this.toSubject(rows[0], this.db) : null;
  }

  private async toSubject(row: SubjectRow, db: Queryable): Promise<StoredSubject> {
    const externalId = row.external_id_enc
      ? (await this.keys.cipher(db, row.id)).openText('subjects', 'external_id', row.external_id_enc)
      : null;
    return { id: row.id, externalId, createdAt: row.created_at };
  }
}
