import { createHmac, randomBytes } from 'node:crypto';
import type { Queryable } from '../database.js';
import { open, seal } from './envelope.js';
import type { MasterKeyRing } from './master-keys.js';

const SECRET_NAME = 'pseudonym';
const WRAP_AAD = (masterKeyId: string) => `visemo/secret/v1|${SECRET_NAME}|${masterKeyId}`;

/**
 * Keyed pseudonyms of subject ids (for telemetry and the audit log) and of external ids (for
 * lookup). The key is a random secret stored wrapped by the master key, so pseudonyms stay the same
 * across a master-key rotation, and nobody with the database alone can compute them.
 */
export class Pseudonyms {
  private constructor(private readonly secret: Buffer) {}

  static async load(db: Queryable, ring: MasterKeyRing, now: Date): Promise<Pseudonyms> {
    const master = ring.current;
    const fresh = randomBytes(32);
    // Two processes starting together both try; the first insert wins and both read it back.
    await db.query(
      `INSERT INTO storage_secrets (name, master_key_id, wrapped_secret, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING`,
      [SECRET_NAME, master.id, seal(master.key, fresh, WRAP_AAD(master.id)), now.toISOString()],
    );
    const { rows } = await db.query<{ master_key_id: string; wrapped_secret: Uint8Array }>(
      'SELECT master_key_id, wrapped_secret FROM storage_secrets WHERE name = $1',
      [SECRET_NAME],
    );
    const row = rows[0];
    if (!row) throw new Error('the pseudonym secret was not stored');
    const key = ring.get(row.master_key_id);
    return new Pseudonyms(open(key.key, row.wrapped_secret, WRAP_AAD(key.id)));
  }

  /** Rewraps the secret under the current master key when another wraps it; returns 0 or 1. */
  static async rewrap(db: Queryable, ring: MasterKeyRing): Promise<number> {
    const master = ring.current;
    const { rows } = await db.query<{ master_key_id: string; wrapped_secret: Uint8Array }>(
      'SELECT master_key_id, wrapped_secret FROM storage_secrets WHERE name = $1 AND master_key_id <> $2 FOR UPDATE',
      [SECRET_NAME, master.id],
    );
    const row = rows[0];
    if (!row) return 0;
    const old = ring.get(row.master_key_id);
    const secret = open(old.key, row.wrapped_secret, WRAP_AAD(old.id));
    await db.query('UPDATE storage_secrets SET master_key_id = $2, wrapped_secret = $3 WHERE name = $1', [
      SECRET_NAME,
      master.id,
      seal(master.key, secret, WRAP_AAD(master.id)),
    ]);
    return 1;
  }

  /** 32 hex characters (128 bits): the subject in telemetry and the audit log. */
  subject(subjectId: string): string {
    return this.mac('subject', subjectId).subarray(0, 16).toString('hex');
  }

  /** Finds a subject by the embedding site's id without storing that id in clear. */
  externalRef(externalId: string): Buffer {
    return this.mac('external', externalId);
  }

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}\0${value}`).digest();
  }
}
