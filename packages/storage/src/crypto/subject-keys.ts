import { createHmac, randomBytes } from 'node:crypto';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { Queryable } from '../database.js';
import { isUuid } from '../uuid.js';
import { open, seal } from './envelope.js';
import type { MasterKeyRing } from './master-keys.js';

/**
 * The subject's data key, unwrapped: seals and opens the subject's values. The additional data of
 * every value names its table, subject and column, so a ciphertext copied to another row, column
 * or subject fails to open.
 */
export class SubjectCipher {
  constructor(
    readonly subjectId: string,
    private readonly dataKey: Buffer,
  ) {}

  sealText(table: string, column: string, text: string): Buffer {
    return this.sealBytes(table, column, Buffer.from(text, 'utf8'));
  }

  openText(table: string, column: string, sealed: Uint8Array): string {
    return this.openBytes(table, column, sealed).toString('utf8');
  }

  sealBytes(table: string, column: string, bytes: Uint8Array): Buffer {
    return seal(this.dataKey, bytes, this.aad(table, column));
  }

  openBytes(table: string, column: string, sealed: Uint8Array): Buffer {
    return open(this.dataKey, sealed, this.aad(table, column));
  }

  /** A stable lookup reference for a value (a memory key) that is useless without the data key. */
  reference(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.dataKey).update(`${purpose}\0${value}`).digest();
  }

  private aad(table: string, column: string): string {
    return `visemo/v1|${table}|${this.subjectId}|${column}`;
  }
}

const WRAP_AAD = (subjectId: string, masterKeyId: string) =>
  `visemo/subject-key/v1|${subjectId}|${masterKeyId}`;

/**
 * Per-subject data keys, wrapped by the current master key in `subject_keys`. Unwrapped keys are
 * kept in a bounded cache so a turn costs no unwrap; erasure drops them from it.
 */
export class SubjectKeyStore {
  private readonly cache = new Map<string, Buffer>();

  constructor(
    private readonly ring: MasterKeyRing,
    private readonly cacheSize = 10_000,
  ) {}

  /** Makes and stores a new data key for a subject being created in `tx`. */
  async create(tx: Queryable, subjectId: string, now: Date): Promise<SubjectCipher> {
    const dataKey = randomBytes(32);
    const master = this.ring.current;
    await tx.query(
      'INSERT INTO subject_keys (subject_id, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, $4)',
      [subjectId, master.id, seal(master.key, dataKey, WRAP_AAD(subjectId, master.id)), now.toISOString()],
    );
    this.remember(subjectId, dataKey);
    return new SubjectCipher(subjectId, dataKey);
  }

  /** The subject's cipher; `UnknownSubject` when it has no key (never created, or erased). */
  async cipher(db: Queryable, subjectId: string): Promise<SubjectCipher> {
    if (!isUuid(subjectId)) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${subjectId}`);
    const cached = this.cache.get(subjectId);
    if (cached) {
      this.cache.delete(subjectId);
      this.cache.set(subjectId, cached);
      return new SubjectCipher(subjectId, cached);
    }
    const { rows } = await db.query<{ master_key_id: string; wrapped_key: Uint8Array }>(
      'SELECT master_key_id, wrapped_key FROM subject_keys WHERE subject_id = $1',
      [subjectId],
    );
    const row = rows[0];
    if (!row) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${subjectId}`);
    const master = this.ring.get(row.master_key_id);
    const dataKey = open(master.key, row.wrapped_key, WRAP_AAD(subjectId, master.id));
    this.remember(subjectId, dataKey);
    return new SubjectCipher(subjectId, dataKey);
  }

  forget(subjectId: string): void {
    this.cache.get(subjectId)?.fill(0);
    this.cache.delete(subjectId);
  }

  /** Rewraps every data key not under the current master key; returns how many. */
  async rewrap(db: Queryable): Promise<number> {
    const master = this.ring.current;
    const { rows } = await db.query<{ subject_id: string; master_key_id: string; wrapped_key: Uint8Array }>(
      'SELECT subject_id, master_key_id, wrapped_key FROM subject_keys WHERE master_key_id <> $1 FOR UPDATE',
      [master.id],
    );
    for (const row of rows) {
      const old = this.ring.get(row.master_key_id);
      const dataKey = open(old.key, row.wrapped_key, WRAP_AAD(row.subject_id, old.id));
      await db.query('UPDATE subject_keys SET master_key_id = $2, wrapped_key = $3 WHERE subject_id = $1', [
        row.subject_id,
        master.id,
        seal(master.key, dataKey, WRAP_AAD(row.subject_id, master.id)),
      ]);
      dataKey.fill(0);
    }
    return rows.length;
  }

  private remember(subjectId: string, dataKey: Buffer): void {
    this.cache.set(subjectId, dataKey);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
