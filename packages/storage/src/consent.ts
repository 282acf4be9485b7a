import { dropCategoryData } from './category-data.js';
import type { Database, Queryable } from './database.js';
import { type Actor, CONSENT_CATEGORIES, type ConsentCategory, type ConsentState } from './records.js';
import { lockSubject } from './subject-lock.js';
import { isUuid } from './uuid.js';

interface ConsentRow {
  category: ConsentCategory;
  state: 'granted' | 'withdrawn';
  policy_version: string;
  actor: string;
  recorded_at: Date;
}

export interface ConsentChange {
  /** The version of the privacy notice the person agreed to or withdrew under. */
  policyVersion: string;
  /** Default `subject`: the person chose it themselves. */
  actor?: Actor;
}

export type ConsentSnapshot = Record<ConsentCategory, ConsentState | null>;

/**
 * Consent per subject and category, append-only: every grant and withdrawal is kept, and the last
 * one decides. Without a grant, nothing of the category outlives the session.
 */
export class ConsentLedger {
  constructor(
    private readonly db: Database,
    private readonly clock: () => Date,
  ) {}

  async grant(subjectId: string, category: ConsentCategory, change: ConsentChange): Promise<ConsentState> {
    return this.db.transaction(async (tx) => {
      await lockSubject(tx, subjectId, 'update');
      return this.append(tx, subjectId, category, true, change);
    });
  }

  /** Records the withdrawal and deletes the category's stored data for the subject, in one transaction. */
  async withdraw(
    subjectId: string,
    category: ConsentCategory,
    change: ConsentChange,
  ): Promise<{ state: ConsentState; deleted: number }> {
    return this.db.transaction(async (tx) => {
      await lockSubject(tx, subjectId, 'update');
      const state = await this.append(tx, subjectId, category, false, change);
      return { state, deleted: await dropCategoryData(tx, subjectId, category) };
    });
  }

  /** The deciding record of each category; null where the subject was never asked. */
  async current(subjectId: string, db: Queryable = this.db): Promise<ConsentSnapshot> {
    const snapshot: ConsentSnapshot = { transcripts: null, audio: null, memory: null };
    if (!isUuid(subjectId)) return snapshot;
    const { rows } = await db.query<ConsentRow>(
      `SELECT DISTINCT ON (category) category, state, policy_version, actor, recorded_at
         FROM consent_records WHERE subject_id = $1 ORDER BY category, id DESC`,
      [subjectId],
    );
    for (const row of rows) snapshot[row.category] = toState(row);
    return snapshot;
  }

  async allows(subjectId: string, category: ConsentCategory, db: Queryable = this.db): Promise<boolean> {
    return consentGranted(db, subjectId, category);
  }

  /** Every record, oldest first. */
  async history(subjectId: string, db: Queryable = this.db): Promise<ConsentState[]> {
    if (!isUuid(subjectId)) return [];
    const { rows } = await db.query<ConsentRow>(
      `SELECT category, state, policy_version, actor, recorded_at
         FROM consent_records WHERE subject_id = $1 ORDER BY id`,
      [subjectId],
    );
    return rows.map(toState);
  }

  private async append(
    tx: Queryable,
    subjectId: string,
    category: ConsentCategory,
    granted: boolean,
    change: ConsentChange,
  ): Promise<ConsentState> {
    if (!CONSENT_CATEGORIES.includes(category)) throw new TypeError(`unknown consent category ${category}`);
    if (!change.policyVersion) throw new TypeError('a consent record needs the policy version');
    const recordedAt = this.clock();
    const actor = change.actor ?? 'subject';
    await tx.query(
      `INSERT INTO consent_records (subject_id, category, state, policy_version, actor, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        subjectId,
        category,
        granted ? 'granted' : 'withdrawn',
        change.policyVersion,
        actor,
        recordedAt.toISOString(),
      ],
    );
    return { category, granted, policyVersion: change.policyVersion, actor, recordedAt };
  }
}

/** Whether the subject's last record for the category is a grant. */
export async function consentGranted(
  db: Queryable,
  subjectId: string,
  category: ConsentCategory,
): Promise<boolean> {
  if (!isUuid(subjectId)) return false;
  const { rows } = await db.query<{ state: string }>(
    'SELECT state FROM consent_records WHERE subject_id = $1 AND category = $2 ORDER BY id DESC LIMIT 1',
    [subjectId, category],
  );
  return rows[0]?.state === 'granted';
}

function toState(row: ConsentRow): ConsentState {
  return {
    category: row.category,
    granted: row.state === 'granted',
    policyVersion: row.policy_version,
    actor: row.actor,
    recordedAt: row.recorded_at,
  };
}
