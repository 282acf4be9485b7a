import { randomUUID } from 'node:crypto';
import type { AuditLog } from './audit-log.js';
import { consentGranted } from './consent.js';
import type { SubjectKeyStore } from './crypto/subject-keys.js';
import type { Database, Queryable } from './database.js';
import type { AudioInput, ReadOptions, SessionRef, StoredAudio } from './records.js';
import { lockSubject } from './subject-lock.js';
import { isUuid } from './uuid.js';

interface AudioRow {
  id: string;
  session_id: string;
  subject_id: string;
  turn_id: string | null;
  role: 'user' | 'agent';
  sample_rate: number;
  samples: number;
  created_at: Date;
}

const COLUMNS = 'id, session_id, subject_id, turn_id, role, sample_rate, samples, created_at';

/** Recordings of a session, PCM16 encrypted, stored only with the subject's consent to audio. */
export class AudioStore {
  constructor(
    private readonly db: Database,
    private readonly keys: SubjectKeyStore,
    private readonly audit: AuditLog,
    private readonly clock: () => Date,
  ) {}

  /** Stores the recording, or nothing (null) without consent to audio: the caller need not ask first. */
  async save(session: SessionRef, input: AudioInput): Promise<StoredAudio | null> {
    const bytes =
      input.pcm instanceof Int16Array
        ? new Uint8Array(input.pcm.buffer, input.pcm.byteOffset, input.pcm.byteLength)
        : input.pcm;
    if (bytes.byteLength % 2 !== 0) throw new TypeError('PCM16 audio has an even number of bytes');
    if (!Number.isInteger(input.sampleRate) || input.sampleRate <= 0)
      throw new TypeError('sampleRate must be a positive integer');
    const cipher = await this.keys.cipher(this.db, session.subjectId);
    const sealed = cipher.sealBytes('audio_recordings', 'pcm', bytes);
    const id = randomUUID();
    const createdAt = this.clock();
    const role = input.role ?? 'user';
    const stored = await this.db.transaction(async (tx) => {
      await lockSubject(tx, session.subjectId, 'share');
      if (!(await consentGranted(tx, session.subjectId, 'audio'))) return false;
      const { rowCount } = await tx.query(
        `INSERT INTO audio_recordings (id, session_id, subject_id, turn_id, role, sample_rate, samples, pcm_enc, created_at)
         SELECT $1, id, subject_id, $4, $5, $6, $7, $8, $9 FROM sessions WHERE id = $2 AND subject_id = $3`,
        [
          id,
          isUuid(session.id) ? session.id : null,
          session.subjectId,
          input.turnId ?? null,
          role,
          input.sampleRate,
          bytes.byteLength / 2,
          sealed,
          createdAt.toISOString(),
        ],
      );
      return rowCount > 0;
    });
    if (!stored) return null;
    return {
      id,
      sessionId: session.id,
      subjectId: session.subjectId,
      turnId: input.turnId ?? null,
      role,
      sampleRate: input.sampleRate,
      samples: bytes.byteLength / 2,
      createdAt,
    };
  }

  /** The recording with its samples, or null. */
  async get(id: string, options: ReadOptions = {}): Promise<(StoredAudio & { pcm: Int16Array }) | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.db.query<AudioRow & { pcm_enc: Uint8Array }>(
      `SELECT ${COLUMNS}, pcm_enc FROM audio_recordings WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    const pcm = await this.decrypt(this.db, row.subject_id, row.pcm_enc);
    if (options.actor) {
      await this.audit.record({
        actor: options.actor,
        action: 'data.read',
        subjectId: row.subject_id,
        details: { category: 'audio', recording: id },
      });
    }
    return { ...toAudio(row), pcm };
  }

  /** The subject's recordings, without samples, oldest first. */
  async list(subjectId: string, db: Queryable = this.db): Promise<StoredAudio[]> {
    if (!isUuid(subjectId)) return [];
    const { rows } = await db.query<AudioRow>(
      `SELECT ${COLUMNS} FROM audio_recordings WHERE subject_id = $1 ORDER BY created_at, id`,
      [subjectId],
    );
    return rows.map(toAudio);
  }

  /** The session's recordings, without samples, oldest first. */
  async ofSession(sessionId: string): Promise<StoredAudio[]> {
    if (!isUuid(sessionId)) return [];
    const { rows } = await this.db.query<AudioRow>(
      `SELECT ${COLUMNS} FROM audio_recordings WHERE session_id = $1 ORDER BY created_at, id`,
      [sessionId],
    );
    return rows.map(toAudio);
  }

  /** Every recording of the subject with its samples, for export. */
  async subjectRecordings(subjectId: string, db: Queryable): Promise<(StoredAudio & { pcm: Int16Array })[]> {
    const { rows } = await db.query<AudioRow & { pcm_enc: Uint8Array }>(
      `SELECT ${COLUMNS}, pcm_enc FROM audio_recordings WHERE subject_id = $1 ORDER BY created_at, id`,
      [subjectId],
    );
    const recordings = [];
    for (const row of rows)
      recordings.push({ ...toAudio(row), pcm: await this.decrypt(db, row.subject_id, row.pcm_enc) });
    return recordings;
  }

  private async decrypt(db: Queryable, subjectId: string, sealed: Uint8Array): Promise<Int16Array> {
    const bytes = (await this.keys.cipher(db, subjectId)).openBytes('audio_recordings', 'pcm', sealed);
    // A copy: Int16Array needs an aligned buffer, and a Buffer from the pool may not be.
    const samples = new Int16Array(bytes.byteLength / 2);
    new Uint8Array(samples.buffer).set(bytes);
    return samples;
  }
}

function toAudio(row: AudioRow): StoredAudio {
  return {
    id: row.id,
    sessionId: row.session_id,
    subjectId: row.subject_id,
    turnId: row.turn_id,
    role: row.role,
    sampleRate: row.sample_rate,
    samples: row.samples,
    createdAt: row.created_at,
  };
}
