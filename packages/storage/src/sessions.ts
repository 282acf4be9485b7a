import { randomUUID } from 'node:crypto';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { AuditLog } from './audit-log.js';
import { clearTranscripts } from './category-data.js';
import { consentGranted } from './consent.js';
import type { Pseudonyms } from './crypto/pseudonyms.js';
import type { SubjectCipher, SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database, Queryable } from './database.js';
import type {
  ReadOptions,
  SessionRef,
  StoredSession,
  StoredTurn,
  TurnDetails,
  TurnEntity,
  TurnFeedback,
  TurnInput,
} from './records.js';
import { lockSubject } from './subject-lock.js';
import { isUuid } from './uuid.js';

interface SessionRow {
  id: string;
  subject_id: string;
  agent: string;
  started_at: Date;
  last_active_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  flags: Record<string, unknown>;
}

interface TurnRow {
  id: string;
  session_id: string;
  subject_id: string;
  turn_index: number;
  started_at: Date;
  input_source: string | null;
  user_text_enc: Uint8Array | null;
  reply_text_enc: Uint8Array | null;
  entities_enc: Uint8Array | null;
  details_enc: Uint8Array | null;
  intent: string | null;
  confidence: number | null;
  latency: Record<string, number>;
  providers: Record<string, string>;
  answered_by: string | null;
  answer_source: string | null;
  interrupted: boolean;
  asr_rejected: boolean;
  handed_off: boolean;
  feedback: TurnFeedback | null;
}

export interface StartSessionInput {
  subjectId: string;
  agent: string;
  /** The server's own session id (a UUID); default: a new one. */
  id?: string;
  flags?: Record<string, unknown>;
}

const SESSION_COLUMNS = 'id, subject_id, agent, started_at, last_active_at, ended_at, end_reason, flags';
const TURN_COLUMNS =
  'id, session_id, subject_id, turn_index, started_at, input_source, user_text_enc, reply_text_enc, entities_enc, details_enc, intent, confidence, latency, providers, answered_by, answer_source, interrupted, asr_rejected, handed_off, feedback';

/**
 * Sessions and their turns, written through as they happen so a restarted server finds them.
 * A turn's text is kept for the session in any case (the conversation needs it) and after the
 * session only with the subject's consent to transcripts. Every turn also writes a telemetry row
 * without text or subject id.
 */
export class SessionStore {
  constructor(
    private readonly db: Database,
    private readonly keys: SubjectKeyStore,
    private readonly pseudonyms: Pseudonyms,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

  async start(input: StartSessionInput): Promise<StoredSession> {
    const id = input.id ?? randomUUID();
    if (!isUuid(id)) throw new TypeError(`a session id must be a UUID: ${id}`);
    const now = this.clock();
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO sessions (id, subject_id, agent, started_at, last_active_at, flags)
       SELECT $1, id, $3, $4, $4, $5::jsonb FROM subjects WHERE id = $2 RETURNING id`,
      [
        id,
        isUuid(input.subjectId) ? input.subjectId : null,
        input.agent,
        now.toISOString(),
        JSON.stringify(input.flags ?? {}),
      ],
    );
    if (rows.length === 0)
      throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${input.subjectId}`);
    return {
      id,
      subjectId: input.subjectId,
      agent: input.agent,
      startedAt: now,
      lastActiveAt: now,
      endedAt: null,
      endReason: null,
      flags: input.flags ?? {},
    };
  }

  async get(id: string): Promise<StoredSession | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`,
      [id],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  /** The subject's sessions, oldest first. */
  async list(subjectId: string, db: Queryable = this.db): Promise<StoredSession[]> {
    if (!isUuid(subjectId)) return [];
    const { rows } = await db.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE subject_id = $1 ORDER BY started_at, id`,
      [subjectId],
    );
    return rows.map(toSession);
  }

  /**
   * The most recent sessions of every subject, newest first, each with how many turns it has
   * stored: what a debugger picks from. Only of `agent` when given.
   */
  async recent(
    options: { agent?: string; limit?: number } = {},
  ): Promise<(StoredSession & { turns: number })[]> {
    const { rows } = await this.db.query<SessionRow & { turns: number }>(
      `SELECT ${SESSION_COLUMNS.split(', ')
        .map((c) => `s.${c}`)
        .join(', ')}, (SELECT count(*)::integer FROM turns t WHERE t.session_id = s.id) AS turns
         FROM sessions s WHERE $1::text IS NULL OR s.agent = $1
        ORDER BY s.started_at DESC, s.id LIMIT $2`,
      [options.agent ?? null, options.limit ?? 50],
    );
    return rows.map((row) => ({ ...toSession(row), turns: Number(row.turns) }));
  }

  /**
   * Writes one turn (its texts encrypted) and its telemetry row, in one statement. `NoSession` when
   * the session is not stored (or belongs to another subject), `SessionClosed` once it has ended.
   */
  async recordTurn(session: SessionRef, input: TurnInput): Promise<StoredTurn> {
    const cipher = await this.keys.cipher(this.db, session.subjectId);
    const id = randomUUID();
    const startedAt = input.startedAt ?? this.clock();
    const seal = (column: string, text: string | null | undefined) =>
      text === null || text === undefined ? null : cipher.sealText('turns', column, text);
    const entities = input.entities ?? [];
    const latency = JSON.stringify(input.latency ?? {});
    const providers = JSON.stringify(input.providers ?? {});
    // The telemetry row first: the turn keeps its id (the link runs one way, see 0004).
    const { rows } = await this.db.query<{ turn_index: number }>(
      `WITH session AS (
         SELECT id, subject_id FROM sessions WHERE id = $2 AND subject_id = $3 AND ended_at IS NULL
       ), telemetry AS (
         INSERT INTO turn_telemetry (agent, subject_pseudonym, occurred_at, input_source, intent, confidence,
                                     latency, providers, answered_by, answer_source, interrupted, asr_rejected,
                                     handed_off, flags)
         SELECT $17, $18, $5, $6, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $19, $20, $21::jsonb
           FROM session
         RETURNING id
       ), turn AS (
         INSERT INTO turns (id, session_id, subject_id, turn_index, started_at, input_source, user_text_enc,
                            reply_text_enc, entities_enc, intent, confidence, latency, providers, answered_by,
                            answer_source, interrupted, asr_rejected, handed_off, telemetry_id, details_enc)
         SELECT $1, s.id, s.subject_id,
                COALESCE($4::integer, (SELECT COALESCE(max(t.turn_index), 0) + 1 FROM turns t WHERE t.session_id = s.id)),
                $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $19, $20, telemetry.id, $22
           FROM session s, telemetry
         RETURNING turn_index
       ), touched AS (
         UPDATE sessions SET last_active_at = GREATEST(last_active_at, $5)
          WHERE id = $2 AND EXISTS (SELECT 1 FROM turn)
       )
       SELECT turn_index FROM turn`,
      [
        id,
        isUuid(session.id) ? session.id : null,
        session.subjectId,
        input.turnIndex ?? null,
        startedAt.toISOString(),
        input.inputSource ?? null,
        seal('user_text', input.userText),
        seal('reply_text', input.replyText),
        entities.length > 0 ? cipher.sealText('turns', 'entities', JSON.stringify(entities)) : null,
        input.intent ?? null,
        input.confidence ?? null,
        latency,
        providers,
        input.answeredBy ?? null,
        input.answerSource ?? null,
        input.interrupted ?? false,
        session.agent,
        this.pseudonyms.subject(session.subjectId),
        input.asrRejected ?? false,
        input.handedOff ?? false,
        JSON.stringify(input.flags ?? {}),
        input.details ? cipher.sealText('turns', 'details', JSON.stringify(input.details)) : null,
      ],
    );
    const turnIndex = rows[0]?.turn_index;
    if (turnIndex === undefined) {
      const stored = await this.get(session.id);
      if (stored && stored.subjectId === session.subjectId) {
        throw new VisemoError(ErrorCode.SessionClosed, `session ${session.id} has ended`);
      }
      throw new VisemoError(ErrorCode.NoSession, `no stored session ${session.id} for that subject`);
    }
    return {
      id,
      sessionId: session.id,
      subjectId: session.subjectId,
      turnIndex,
      startedAt,
      inputSource: input.inputSource ?? null,
      userText: input.userText ?? null,
      replyText: input.replyText ?? null,
      entities: entities.length > 0 ? entities : null,
      intent: input.intent ?? null,
      confidence: input.confidence ?? null,
      latency: input.latency ?? {},
      providers: input.providers ?? {},
      answeredBy: input.answeredBy ?? null,
      answerSource: input.answerSource ?? null,
      interrupted: input.interrupted ?? false,
      asrRejected: input.asrRejected ?? false,
      handedOff: input.handedOff ?? false,
      feedback: null,
      details: input.details ?? null,
    };
  }

  /**
   * Sets a turn's reply to what the person heard of it: a playback report or a barge-in after the
   * turn was written cut it short. A reply whose text is no longer kept (withdrawn, or the session
   * ended without consent) stays unkept. False when the session has no such turn.
   */
  async reviseReply(
    session: SessionRef,
    turnIndex: number,
    revision: { replyText: string; interrupted?: boolean },
  ): Promise<boolean> {
    if (!isUuid(session.id)) return false;
    const cipher = await this.keys.cipher(this.db, session.subjectId);
    const { rows } = await this.db.query<{ id: string }>(
      `WITH turn AS (
         UPDATE turns SET reply_text_enc = CASE WHEN reply_text_enc IS NULL THEN NULL ELSE $4::bytea END,
                interrupted = interrupted OR $5
          WHERE session_id = $1 AND subject_id = $2 AND turn_index = $3
         RETURNING id, telemetry_id
       ), telemetry AS (
         UPDATE turn_telemetry SET interrupted = true
          WHERE $5 AND id = (SELECT telemetry_id FROM turn) AND NOT interrupted
       )
       SELECT id FROM turn`,
      [
        session.id,
        session.subjectId,
        turnIndex,
        cipher.sealText('turns', 'reply_text', revision.replyText),
        revision.interrupted ?? false,
      ],
    );
    return rows.length > 0;
  }

  /**
   * The person's rating of a turn's answer, on the turn and its telemetry row; a second rating
   * replaces the first. False when the session has no such turn.
   */
  async rateTurn(session: SessionRef, turnIndex: number, rating: TurnFeedback): Promise<boolean> {
    if (!isUuid(session.id)) return false;
    const { rows } = await this.db.query<{ id: string }>(
      `WITH turn AS (
         UPDATE turns SET feedback = $4, feedback_at = $5
          WHERE session_id = $1 AND subject_id = $2 AND turn_index = $3
         RETURNING id, telemetry_id
       ), telemetry AS (
         UPDATE turn_telemetry SET feedback = $4 WHERE id = (SELECT telemetry_id FROM turn)
       )
       SELECT id FROM turn`,
      [session.id, session.subjectId, turnIndex, rating, this.clock().toISOString()],
    );
    return rows.length > 0;
  }

  /** The session's turns in order, texts decrypted where kept. */
  async turns(sessionId: string, options: ReadOptions = {}): Promise<StoredTurn[]> {
    if (!isUuid(sessionId)) return [];
    const { rows } = await this.db.query<TurnRow>(
      `SELECT ${TURN_COLUMNS} FROM turns WHERE session_id = $1 ORDER BY turn_index`,
      [sessionId],
    );
    const turns = await this.decrypt(rows, this.db);
    const subjectId = rows[0]?.subject_id;
    if (options.actor && subjectId) {
      await this.audit.record({
        actor: options.actor,
        action: 'data.read',
        subjectId,
        details: { category: 'transcripts', session: sessionId, turns: turns.length },
      });
    }
    return turns;
  }

  /** Every turn of the subject, for export. */
  async subjectTurns(subjectId: string, db: Queryable): Promise<StoredTurn[]> {
    const { rows } = await db.query<TurnRow>(
      `SELECT ${TURN_COLUMNS} FROM turns WHERE subject_id = $1 ORDER BY started_at, turn_index`,
      [subjectId],
    );
    return this.decrypt(rows, db);
  }

  /**
   * Ends the session (once: a second call changes nothing). Without consent to transcripts, the
   * session's texts are deleted now. Null when no such session is stored.
   */
  async end(sessionId: string, reason: string): Promise<StoredSession | null> {
    if (!isUuid(sessionId)) return null;
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<SessionRow>(
        `UPDATE sessions SET ended_at = $2, end_reason = $3, last_active_at = GREATEST(last_active_at, $2)
          WHERE id = $1 AND ended_at IS NULL RETURNING ${SESSION_COLUMNS}`,
        [sessionId, now.toISOString(), reason],
      );
      const ended = rows[0];
      if (!ended) {
        const { rows: existing } = await tx.query<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`,
          [sessionId],
        );
        return existing[0] ? toSession(existing[0]) : null;
      }
      await dropUnconsentedTranscripts(tx, ended.subject_id, sessionId);
      return toSession(ended);
    });
  }

  private async decrypt(rows: TurnRow[], db: Queryable): Promise<StoredTurn[]> {
    const ciphers = new Map<string, SubjectCipher>();
    const turns: StoredTurn[] = [];
    for (const row of rows) {
      let cipher = ciphers.get(row.subject_id);
      if (!cipher) {
        cipher = await this.keys.cipher(db, row.subject_id);
        ciphers.set(row.subject_id, cipher);
      }
      const open = (column: string, sealed: Uint8Array | null) =>
        sealed ? (cipher as SubjectCipher).openText('turns', column, sealed) : null;
      const entities = open('entities', row.entities_enc);
      const details = open('details', row.details_enc);
      turns.push({
        id: row.id,
        sessionId: row.session_id,
        subjectId: row.subject_id,
        turnIndex: row.turn_index,
        startedAt: row.started_at,
        inputSource: row.input_source,
        userText: open('user_text', row.user_text_enc),
        replyText: open('reply_text', row.reply_text_enc),
        entities: entities === null ? null : (JSON.parse(entities) as TurnEntity[]),
        intent: row.intent,
        confidence: row.confidence,
        latency: row.latency,
        providers: row.providers,
        answeredBy: row.answered_by,
        answerSource: row.answer_source,
        interrupted: row.interrupted,
        asrRejected: row.asr_rejected,
        handedOff: row.handed_off,
        feedback: row.feedback,
        details: details === null ? null : (JSON.parse(details) as TurnDetails),
      });
    }
    return turns;
  }
}

/** A session is over: its texts stay only if the subject consents to transcripts. */
export async function dropUnconsentedTranscripts(
  tx: Queryable,
  subjectId: string,
  sessionId: string,
): Promise<number> {
  await lockSubject(tx, subjectId, 'share');
  if (await consentGranted(tx, subjectId, 'transcripts')) return 0;
  return clearTranscripts(tx, 'session_id = $1', [sessionId]);
}

function toSession(row: SessionRow): StoredSession {
  return {
    id: row.id,
    subjectId: row.subject_id,
    agent: row.agent,
    startedAt: row.started_at,
    lastActiveAt: row.last_active_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    flags: row.flags,
  };
}
