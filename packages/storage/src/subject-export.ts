import { ErrorCode, VisemoError } from '@visemo/core';
import type { AudioStore } from './audio.js';
import type { AuditDetails, AuditLog } from './audit-log.js';
import type { ConsentLedger } from './consent.js';
import type { Pseudonyms } from './crypto/pseudonyms.js';
import type { Database } from './database.js';
import type { MemoryStore } from './memory.js';
import type { Actor, ConsentCategory, TurnDetails, TurnEntity, TurnFeedback } from './records.js';
import type { SessionStore } from './sessions.js';
import type { SubjectStore } from './subjects.js';

/**
 * Everything stored about one subject, decrypted: the answer to a GDPR Art. 15 access request and
 * an Art. 20 portable copy. Times are ISO 8601 strings; audio is PCM16 little-endian, base64.
 * Documented field by field in docs/storage.md.
 */
export interface SubjectExport {
  format: 'visemo.subject-export';
  version: 1;
  exportedAt: string;
  subject: { id: string; externalId: string | null; createdAt: string };
  consent: {
    current: Record<ConsentCategory, ExportedConsent | null>;
    history: ExportedConsent[];
  };
  sessions: ExportedSession[];
  audio: ExportedAudio[];
  memory: ExportedMemoryFact[];
  /** Per-turn telemetry under the subject's pseudonym: no text. */
  telemetry: ExportedTelemetry[];
  /** Who accessed, exported or administered the subject's data. */
  audit: ExportedAuditEntry[];
}

export interface ExportedConsent {
  category: ConsentCategory;
  granted: boolean;
  policyVersion: string;
  actor: string;
  recordedAt: string;
}

export interface ExportedSession {
  id: string;
  agent: string;
  startedAt: string;
  lastActiveAt: string;
  endedAt: string | null;
  endReason: string | null;
  flags: Record<string, unknown>;
  turns: ExportedTurn[];
}

export interface ExportedTurn {
  id: string;
  turnIndex: number;
  startedAt: string;
  inputSource: string | null;
  userText: string | null;
  replyText: string | null;
  entities: TurnEntity[] | null;
  intent: string | null;
  confidence: number | null;
  latencyMs: Record<string, number>;
  providers: Record<string, string>;
  answeredBy: string | null;
  answerSource: string | null;
  interrupted: boolean;
  asrRejected: boolean;
  handedOff: boolean;
  feedback: TurnFeedback | null;
  details: TurnDetails | null;
}

export interface ExportedAudio {
  id: string;
  sessionId: string;
  turnId: string | null;
  role: 'user' | 'agent';
  sampleRate: number;
  samples: number;
  createdAt: string;
  /** Absent when the export was asked without audio. */
  pcm16leBase64?: string;
}

export interface ExportedMemoryFact {
  key: string;
  value: string;
  agent: string;
  sourceTurnId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ExportedTelemetry {
  agent: string;
  occurredAt: string;
  intent: string | null;
  confidence: number | null;
  latencyMs: Record<string, number>;
  answeredBy: string | null;
  interrupted: boolean;
  feedback: TurnFeedback | null;
}

export interface ExportedAuditEntry {
  at: string;
  actor: string;
  action: string;
  details: AuditDetails;
}

export interface ExportOptions {
  actor: Actor;
  /** Default true. Recordings are large: 32 kB per second at 16 kHz, a third more as base64. */
  includeAudio?: boolean;
}

interface ExportStores {
  db: Database;
  subjects: SubjectStore;
  sessions: SessionStore;
  consent: ConsentLedger;
  audio: AudioStore;
  memory: MemoryStore;
  audit: AuditLog;
  pseudonyms: Pseudonyms;
  clock: () => Date;
}

/** Reads the subject in one snapshot, and audits the export in the same transaction. */
export async function exportSubject(
  stores: ExportStores,
  subjectId: string,
  options: ExportOptions,
): Promise<SubjectExport> {
  const { db } = stores;
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const subject = await stores.subjects.get(subjectId, tx);
    if (!subject) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${subjectId}`);
    const [current, history, sessions, turns, recordings, memory] = [
      await stores.consent.current(subjectId, tx),
      await stores.consent.history(subjectId, tx),
      await stores.sessions.list(subjectId, tx),
      await stores.sessions.subjectTurns(subjectId, tx),
      options.includeAudio === false ? null : await stores.audio.subjectRecordings(subjectId, tx),
      await stores.memory.list(subjectId, {}, tx),
    ];
    const audioMeta = recordings ?? (await stores.audio.list(subjectId, tx));
    const pseudonym = stores.pseudonyms.subject(subjectId);
    const telemetry = await tx.query<{
      agent: string;
      occurred_at: Date;
      intent: string | null;
      confidence: number | null;
      latency: Record<string, number>;
      answered_by: string | null;
      interrupted: boolean;
      feedback: TurnFeedback | null;
    }>(
      `SELECT agent, occurred_at, intent, confidence, latency, answered_by, interrupted, feedback
         FROM turn_telemetry WHERE subject_pseudonym = $1 ORDER BY occurred_at, id`,
      [pseudonym],
    );
    const auditRows = await tx.query<{ at: Date; actor: string; action: string; details: AuditDetails }>(
      'SELECT at, actor, action, details FROM audit_log WHERE subject_pseudonym = $1 ORDER BY id',
      [pseudonym],
    );
    const consent = (state: (typeof history)[number]): ExportedConsent => ({
      ...state,
      recordedAt: state.recordedAt.toISOString(),
    });
    const document: SubjectExport = {
      format: 'visemo.subject-export',
      version: 1,
      exportedAt: stores.clock().toISOString(),
      subject: { id: subject.id, externalId: subject.externalId, createdAt: subject.createdAt.toISOString() },
      consent: {
        current: {
          transcripts: current.transcripts && consent(current.transcripts),
          audio: current.audio && consent(current.audio),
          memory: current.memory && consent(current.memory),
        },
        history: history.map(consent),
      },
      sessions: sessions.map((s) => ({
        id: s.id,
        agent: s.agent,
        startedAt: s.startedAt.toISOString(),
        lastActiveAt: s.lastActiveAt.toISOString(),
        endedAt: s.endedAt?.toISOString() ?? null,
        endReason: s.endReason,
        flags: s.flags,
        turns: turns
          .filter((t) => t.sessionId === s.id)
          .map((t) => ({
            id: t.id,
            turnIndex: t.turnIndex,
            startedAt: t.startedAt.toISOString(),
            inputSource: t.inputSource,
            userText: t.userText,
            replyText: t.replyText,
            entities: t.entities,
            intent: t.intent,
            confidence: t.confidence,
            latencyMs: t.latency,
            providers: t.providers,
            answeredBy: t.answeredBy,
            answerSource: t.answerSource,
            interrupted: t.interrupted,
            asrRejected: t.asrRejected,
            handedOff: t.handedOff,
            feedback: t.feedback,
            details: t.details,
          })),
      })),
      audio: audioMeta.map((a, i) => ({
        id: a.id,
        sessionId: a.sessionId,
        turnId: a.turnId,
        role: a.role,
        sampleRate: a.sampleRate,
        samples: a.samples,
        createdAt: a.createdAt.toISOString(),
        ...(recordings ? { pcm16leBase64: pcmBase64((recordings[i] as { pcm: Int16Array }).pcm) } : {}),
      })),
      memory: memory.map((m) => ({
        ...m,
        createdAt: m.createdAt.toISOString(),
        updatedAt: m.updatedAt.toISOString(),
      })),
      telemetry: telemetry.rows.map((r) => ({
        agent: r.agent,
        occurredAt: r.occurred_at.toISOString(),
        intent: r.intent,
        confidence: r.confidence,
        latencyMs: r.latency,
        answeredBy: r.answered_by,
        interrupted: r.interrupted,
        feedback: r.feedback,
      })),
      audit: auditRows.rows.map((r) => ({
        at: r.at.toISOString(),
        actor: r.actor,
        action: r.action,
        details: r.details,
      })),
    };
    await stores.audit.record(
      {
        actor: options.actor,
        action: 'subject.export',
        subjectId,
        details: {
          sessions: document.sessions.length,
          turns: turns.length,
          audio: document.audio.length,
          memory: document.memory.length,
          withAudio: recordings !== null,
        },
      },
      tx,
    );
    return document;
  });
}

function pcmBase64(pcm: Int16Array): string {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
}
