import { ErrorCode, VisemoError } from '@visemo/core';
import type { Queryable } from './database.js';
import { isUuid } from './uuid.js';

/**
 * Locks the subject's row for the rest of `tx`. Consent changes take it exclusively and writes that
 * depend on consent share it, so a write never lands after the withdrawal that should have stopped it.
 */
export async function lockSubject(tx: Queryable, subjectId: string, mode: 'share' | 'update'): Promise<void> {
  const found =
    isUuid(subjectId) &&
    (
      await tx.query(`SELECT 1 FROM subjects WHERE id = $1 FOR ${mode === 'share' ? 'SHARE' : 'UPDATE'}`, [
        subjectId,
      ])
    ).rows.length > 0;
  if (!found) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${subjectId}`);
}
