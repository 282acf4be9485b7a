/** The categories of personal data a subject consents to, each separately. */
export const CONSENT_CATEGORIES = ['transcripts', 'audio', 'memory'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

/** A visitor, pseudonymous: a random id, and the embedding site's own id when it gave one. */
export interface StoredSubject {
  id: string;
  externalId: string | null;
  createdAt: Date;
}

export interface ConsentState {
  category: ConsentCategory;
  granted: boolean;
  /** The version of the privacy notice the person saw. */
  policyVersion: string;
  actor: string;
  recordedAt: Date;
}

export interface StoredSession {
  id: string;
  subjectId: string;
  agent: string;
  startedAt: Date;
  lastActiveAt: Date;
  endedAt: Date | null;
  endReason: string | null;
  /** Feature flags and experiment variants the session ran with. */
  flags: Record<string, unknown>;
}

/** What a write needs to know of its session. */
export type SessionRef = Pick<StoredSession, 'id' | 'subjectId' | 'agent'>;

export interface TurnEntity {
  entity: string;
  value: string;
  /** As written in the utterance. */
  text?: string;
}

export interface TurnInput {
  /** The session's own turn number (the protocol's `turnId`); default: the next one. */
  turnIndex?: number;
  /** Default: the storage clock. */
  startedAt?: Date;
  inputSource?: 'speech' | 'text' | null;
  userText?: string | null;
  /** The reply as the person heard it (cut at a barge-in). */
  replyText?: string | null;
  intent?: string | null;
  confidence?: number | null;
  entities?: TurnEntity[];
  /** Milliseconds per hop, as in the protocol's `TurnLatency`. */
  latency?: Record<string, number>;
  /** The provider that answered each hop, e.g. `{ asr: 'grammar', tts: 'flite' }`. */
  providers?: Record<string, string>;
  answeredBy?: string | null;
  /** The knowledge passage that answered, e.g. `knowledge/returns.md#Refunds`. */
  answerSource?: string | null;
  interrupted?: boolean;
  /** Speech the recognizer matched to nothing it knows. */
  asrRejected?: boolean;
  /** The dialogue handed the person to a human. */
  handedOff?: boolean;
  /**
   * The session's flag variants, flag name → variant (e.g. `{ renderer3d: 'on' }`), kept on the
   * telemetry row so signals can be compared per variant.
   */
  flags?: Record<string, string>;
  /** What the studio's debugger shows of the turn beyond the columns above; kept with its texts. */
  details?: TurnDetails;
}

/**
 * A turn as its debugger needs it beyond intent, entities and latency: stored sealed, and dropped
 * with the turn's texts.
 */
export interface TurnDetails {
  /** The NLU's best intents with their confidences, best first. */
  ranking?: { intent: string; confidence: number }[];
  /** The recognizer's decision on a spoken turn: how sure, and whether it matched a phrase it knows. */
  asr?: { confidence: number; understood: boolean };
  /** The flow the turn worked on and where it stood after it (`asking` a slot, `completed`, ...). */
  flow?: { name: string; status: string; awaiting?: string };
  /** The expressions the reply showed, in order. */
  expressions?: { expression: string; intensity: number }[];
  /** The reply's visemes in ms from its first sample, its audio chunks laid end to end. */
  visemes?: { viseme: string; startMs: number; endMs: number }[];
  /** The voice that spoke the reply. */
  voice?: string;
  /**
   * Who said the turn's words, in a conversation of several people (`p1`, `p2`…) or of several
   * voices on one microphone (`v1`, `v2`…); its name is personal, so it is kept with the texts.
   */
  speaker?: { id: string; name: string };
}

/** A person's rating of one answer. */
export type TurnFeedback = 'up' | 'down';

export interface StoredTurn {
  id: string;
  sessionId: string;
  subjectId: string;
  turnIndex: number;
  startedAt: Date;
  inputSource: string | null;
  /** Null when not kept: no consent after the session, withdrawn, or past retention. */
  userText: string | null;
  replyText: string | null;
  entities: TurnEntity[] | null;
  intent: string | null;
  confidence: number | null;
  latency: Record<string, number>;
  providers: Record<string, string>;
  answeredBy: string | null;
  answerSource: string | null;
  interrupted: boolean;
  asrRejected: boolean;
  handedOff: boolean;
  /** The person's latest rating of the answer, if any. */
  feedback: TurnFeedback | null;
  /** Null when not recorded or not kept (as the texts). */
  details: TurnDetails | null;
}

export interface AudioInput {
  /** PCM16 mono: samples, or their little-endian bytes. */
  pcm: Int16Array | Uint8Array;
  sampleRate: number;
  role?: 'user' | 'agent';
  turnId?: string | null;
}

export interface StoredAudio {
  id: string;
  sessionId: string;
  subjectId: string;
  turnId: string | null;
  role: 'user' | 'agent';
  sampleRate: number;
  samples: number;
  createdAt: Date;
}

export interface MemoryFact {
  key: string;
  value: string;
  agent: string;
  sourceTurnId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Who reads or changes data: `system`, `subject`, `admin:alice`… (no spaces: not free text). */
export type Actor = string;

export interface ReadOptions {
  /**
   * The person or process on whose behalf the data is read. Given, the read is written to the audit
   * log; the conversation reading its own subject's data leaves it out.
   */
  actor?: Actor;
}
