import type { SubjectCipher, SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database } from './database.js';

/** Which stored turns are worth a person's review. */
export interface ReviewQuery {
  /** The agent id the sessions were stored under (its folder's name). */
  agent: string;
  /** Only turns from then on. */
  since?: Date;
  /** A turn below this confidence is low-confidence. */
  maxConfidence: number;
}

/** A turn the NLU was unsure of or did not understand, with what the person said. */
export interface ReviewTurn {
  id: string;
  subjectId: string;
  startedAt: Date;
  /** As stored: not redacted. */
  userText: string;
  intent: string | null;
  confidence: number | null;
  answeredBy: string | null;
  answerSource: string | null;
}

interface ReviewRow {
  id: string;
  subject_id: string;
  started_at: Date;
  user_text_enc: Uint8Array;
  intent: string | null;
  confidence: number | null;
  answered_by: string | null;
  answer_source: string | null;
}

// A turn is for review when it is kept, its subject's last transcripts decision is a grant (a
// subject never asked keeps texts only while the session lasts, and is left out), and the NLU
// missed it: no intent, a confidence under the bound, or the persona's fallback answered.
const REVIEWABLE = `
  FROM turns t JOIN sessions s ON s.id = t.session_id
 WHERE s.agent = $1
   AND t.user_text_enc IS NOT NULL
   AND ($2::timestamptz IS NULL OR t.started_at >= $2)
   AND (t.intent IS NULL OR t.confidence IS NULL OR t.confidence < $3 OR t.answered_by = 'fallback')
   AND (SELECT c.state FROM consent_records c
         WHERE c.subject_id = t.subject_id AND c.category = 'transcripts'
         ORDER BY c.id DESC LIMIT 1) = 'granted'`;

/**
 * The stored turns a curation reviews: those of an agent the NLU was unsure of or did not
 * understand, only of subjects who consented to transcripts, decrypted. Read in pages in a
 * stable order, so a long export can say how far it is.
 */
export class TranscriptReview {
  constructor(
    private readonly db: Database,
    private readonly keys: SubjectKeyStore,
  ) {}

  async count(query: ReviewQuery): Promise<number> {
    const { rows } = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n ${REVIEWABLE}`,
      params(query),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The turns, oldest first, `pageSize` rows per query. */
  async *turns(query: ReviewQuery, pageSize = 500): AsyncGenerator<ReviewTurn> {
    const ciphers = new Map<string, SubjectCipher>();
    let after = { at: null as string | null, id: null as string | null };
    for (;;) {
      const { rows }: { rows: ReviewRow[] } = await this.db.query<ReviewRow>(
        `SELECT t.id, t.subject_id, t.started_at, t.user_text_enc, t.intent, t.confidence,
                t.answered_by, t.answer_source ${REVIEWABLE}
           AND ($4::timestamptz IS NULL OR (t.started_at, t.id) > ($4::timestamptz, $5::uuid))
         ORDER BY t.started_at, t.id LIMIT $6`,
        [...params(query), after.at, after.id, pageSize],
      );
      for (const row of rows) {
        let cipher = ciphers.get(row.subject_id);
        if (!cipher) {
          cipher = await this.keys.cipher(this.db, row.subject_id);
          ciphers.set(row.subject_id, cipher);
        }
        yield {
          id: row.id,
          subjectId: row.subject_id,
          startedAt: row.started_at,
          userText: cipher.openText('turns', 'user_text', row.user_text_enc),
          intent: row.intent,
          confidence: row.confidence,
          answeredBy: row.answered_by,
          answerSource: row.answer_source,
        };
      }
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = { at: new Date(last.started_at).toISOString(), id: last.id };
    }
  }
}

function params(query: ReviewQuery): unknown[] {
  return [query.agent, query.since?.toISOString() ?? null, query.maxConfidence];
}
