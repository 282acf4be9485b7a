import {
  type AgentPrivacy,
  type ClientFeedbackMessage,
  type ConsentDecision,
  ErrorCode,
  type ParsedConsentSet,
  PIPELINE_SAMPLE_RATE,
  VisemoError,
} from '@visemo/core';
import {
  CONSENT_CATEGORIES,
  type SessionRef,
  type Storage,
  type StoredTurn,
  type TurnDetails,
  type TurnInput,
} from '@visemo/storage';
import type { FastifyBaseLogger } from 'fastify';
import type { SessionStartMessage } from '../protocol/client-messages.js';
import type { JoinSetup, SessionSetup, TranscriptEntry } from '../session/conversation-session.js';
import { guestName } from '../session/participants.js';
import type { TurnRecord } from '../session/turn-record.js';
import type { SessionVariantOptions } from './server-data.js';
import { consentDecision, privacySummary } from './subject-privacy.js';

export interface RecorderContext {
  storage: Storage;
  agent: { id: string; privacy: AgentPrivacy };
  /** The subject as the session token names it (`a_…`, `s_…`): stored as the subject's external id. */
  subjectName: string;
  live: LiveSubjects;
  log: FastifyBaseLogger;
  /**
   * The session's feature flags and model versions, kept with it (`sessions.flags`); `memory:
   * false` (its flag is off) keeps memory neither read nor written. Read when the session starts.
   */
  variant?: SessionVariantOptions;
}

/**
 * What one conversation stores: its session, each turn as it ends (texts, metadata, telemetry),
 * what the person heard of a reply, their recordings and remembered slots — each only as far as
 * their consent goes, which the stores apply themselves. Writes run one after another in the order
 * the conversation made them, off the conversation's path: a slow database delays no reply.
 */
export class SessionRecorder {
  private subjectId: string | null = null;
  private session: SessionRef | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private over = false;
  private consent: Record<(typeof CONSENT_CATEGORIES)[number], boolean> = {
    transcripts: false,
    audio: false,
    memory: false,
  };
  /** Slot values as stored in memory, so only a changed one is written. */
  private readonly remembered = new Map<string, string>();
  /** Utterances waiting for their turn's row, by turn id. */
  private readonly utterances = new Map<number, Int16Array>();

  constructor(private readonly context: RecorderContext) {}

  get sessionId(): string | null {
    return this.session?.id ?? null;
  }

  /** At `session.start`: the subject, its consent and memory, and the session, new or resumed. */
  async prepare(message: SessionStartMessage): Promise<SessionSetup> {
    const { storage, agent, subjectName } = this.context;
    const { subject, snapshot } = await this.openSubject();
    // Without consent to memory there are no facts: withdrawing it deleted them.
    if (this.context.variant?.memory !== false) {
      for (const fact of await storage.memory.list(subject.id)) this.remembered.set(fact.key, fact.value);
    }
    const slots = Object.fromEntries(this.remembered);
    const started: SessionSetup['started'] = {
      subject: { id: subjectName, consent: consentDecision(snapshot) },
      privacy: privacySummary(agent.privacy),
      storage: true,
    };
    const resumed = message.resume === undefined ? null : await this.resume(message.resume, subject.id);
    if (resumed) {
      return {
        sessionId: resumed.session.id,
        resumed: true,
        transcript: resumed.transcript,
        dialogue: { slots: { ...slots, ...resumed.slots }, history: resumed.history },
        started,
      };
    }
    const session = await storage.sessions.start({
      subjectId: subject.id,
      agent: agent.id,
      ...(this.context.variant?.flags ? { flags: this.context.variant.flags } : {}),
    });
    this.session = session;
    return {
      sessionId: session.id,
      dialogue: { slots, returning: this.remembered.size > 0 },
      started,
    };
  }

  /**
   * At `session.join`: the joiner's subject and consent, for its own `consent.set` and data
   * routes. The conversation it joins is stored under the host's session (docs/multi-party.md).
   */
  async prepareJoin(): Promise<JoinSetup> {
    const { agent, subjectName } = this.context;
    const { snapshot } = await this.openSubject();
    return {
      subject: { id: subjectName, consent: consentDecision(snapshot) },
      privacy: privacySummary(agent.privacy),
      storage: true,
    };
  }

  /** The conversation's subject, made if new, with its consent: live from now on (an erasure stops it). */
  private async openSubject() {
    const { storage, subjectName, live } = this.context;
    const { subject } = await storage.subjects.ensure({ externalId: subjectName });
    if (this.over) throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
    this.subjectId = subject.id;
    live.add(subject.id, this);
    const snapshot = await storage.consent.current(subject.id);
    for (const category of CONSENT_CATEGORIES) this.consent[category] = snapshot[category]?.granted ?? false;
    return { subject, snapshot };
  }

  /** A turn ended: its row (and telemetry), the utterance it answered, the slots it filled. */
  turn(record: TurnRecord): void {
    const audio = this.utterances.get(record.turnId);
    this.utterances.delete(record.turnId);
    this.write(async (session) => {
      const { storage } = this.context;
      const stored = await storage.sessions.recordTurn(
        session,
        turnInput(record, flagVariants(this.context.variant?.flags)),
      );
      if (audio && this.consent.audio) {
        await storage.audio.save(session, {
          pcm: audio,
          sampleRate: PIPELINE_SAMPLE_RATE,
          role: 'user',
          turnId: stored.id,
        });
      }
      // Memory is the host's, of the host's own turns: another person's answers are not theirs.
      const hostTurn = record.participant?.host ?? true;
      if (record.slots && hostTurn && this.consent.memory && this.context.variant?.memory !== false) {
        await this.remember(session, record.slots, stored);
      }
    });
  }

  /** A reply turned out shorter than its row says: the row keeps what was heard. */
  replyHeard(turnId: number, heard: { text: string; interrupted: boolean }): void {
    this.write((session) =>
      this.context.storage.sessions.reviseReply(session, turnId, {
        replyText: heard.text,
        interrupted: heard.interrupted,
      }),
    );
  }

  /** The utterance of a spoken turn, kept until the turn's row exists (stored only with consent). */
  utteranceAudio(turnId: number, samples: Int16Array): void {
    if (!this.consent.audio || this.stopped) return;
    this.utterances.set(turnId, samples);
  }

  /** `client.feedback`: the rating on the turn's row and its telemetry, after the row is written. */
  rate(feedback: ClientFeedbackMessage): Promise<void> {
    return this.queue(async () => {
      const session = this.session;
      if (!session || this.stopped) {
        throw new VisemoError(ErrorCode.StorageUnavailable, 'nothing is stored for this session any more');
      }
      const rated = await this.context.storage.sessions.rateTurn(session, feedback.turnId, feedback.rating);
      if (!rated) {
        throw new VisemoError(ErrorCode.UnknownTurn, `turn ${feedback.turnId} of this session is not stored`);
      }
    });
  }

  /** `consent.set`: records each category whose decision changed; withdrawal deletes its data. */
  setConsent(message: ParsedConsentSet): Promise<ConsentDecision> {
    return this.queue(async () => {
      const subjectId = this.subjectId;
      if (!subjectId || this.stopped) {
        throw new VisemoError(ErrorCode.StorageUnavailable, 'nothing is stored for this session any more');
      }
      const { storage, agent } = this.context;
      const policyVersion = agent.privacy.policyVersion;
      const current = await storage.consent.current(subjectId);
      for (const category of CONSENT_CATEGORIES) {
        const wanted = message[category];
        const state = current[category];
        if (state && state.granted === wanted && state.policyVersion === policyVersion) continue;
        if (wanted) await storage.consent.grant(subjectId, category, { policyVersion });
        else await storage.consent.withdraw(subjectId, category, { policyVersion });
        this.consent[category] = wanted;
      }
      if (!this.consent.memory) this.remembered.clear();
      if (!this.consent.audio) this.utterances.clear();
      return consentDecision(await storage.consent.current(subjectId)) as ConsentDecision;
    });
  }

  /**
   * The conversation is over. Ended by the client or the dialogue, the stored session ends (its
   * texts go unless consented); a transport that went away leaves it open to be resumed, until
   * the retention job ends it as abandoned.
   */
  closed(reason: 'client' | 'server' | 'transport'): Promise<void> {
    this.over = true;
    if (reason !== 'transport') {
      this.write((session) => this.context.storage.sessions.end(session.id, reason));
    }
    this.utterances.clear();
    return this.idle().then(() => {
      if (this.subjectId) this.context.live.remove(this.subjectId, this);
    });
  }

  /** The subject was erased: nothing more is stored for this conversation. */
  stop(): void {
    this.stopped = true;
    this.utterances.clear();
    this.remembered.clear();
  }

  /** Resolves when every write so far is done. */
  async idle(): Promise<void> {
    await this.writes.catch(() => undefined);
  }

  private async resume(
    sessionId: string,
    subjectId: string,
  ): Promise<{
    session: SessionRef;
    transcript: TranscriptEntry[];
    slots: Record<string, string>;
    history: { user: string; reply: string }[];
  } | null> {
    const { storage, agent, live } = this.context;
    const stored = await storage.sessions.get(sessionId);
    // Another subject's session, one that ended, or one still open in another connection is not
    // resumed: the client gets a new session instead.
    if (!stored || stored.subjectId !== subjectId || stored.endedAt !== null || stored.agent !== agent.id)
      return null;
    if (live.hasSession(stored.id, this)) return null;
    const turns = await storage.sessions.turns(stored.id);
    this.session = stored;
    return { session: stored, ...restoredConversation(turns) };
  }

  private async remember(
    session: SessionRef,
    slots: Readonly<Record<string, string>>,
    turn: StoredTurn,
  ): Promise<void> {
    for (const [key, value] of Object.entries(slots)) {
      if (this.remembered.get(key) === value) continue;
      const fact = await this.context.storage.memory.upsert(session.subjectId, {
        key,
        value,
        agent: session.agent,
        sourceTurnId: turn.id,
      });
      if (fact) this.remembered.set(key, value);
    }
  }

  /** Queues a write of the session; a failed one is logged (the conversation goes on without it). */
  private write(task: (session: SessionRef) => Promise<unknown>): void {
    this.queue(async () => {
      const session = this.session;
      if (!session || this.stopped) return;
      await task(session);
    }).catch((error: unknown) => {
      if (this.stopped) return;
      this.context.log.error({ err: error, sessionId: this.session?.id }, 'storing the session failed');
    });
  }

  private queue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.writes.catch(() => undefined).then(task);
    this.writes = run;
    return run;
  }
}

/** Every subject with a conversation running, so an erasure can stop what they store. */
export class LiveSubjects {
  private readonly recorders = new Map<string, Set<SessionRecorder>>();

  add(subjectId: string, recorder: SessionRecorder): void {
    let set = this.recorders.get(subjectId);
    if (!set) {
      set = new Set();
      this.recorders.set(subjectId, set);
    }
    set.add(recorder);
  }

  remove(subjectId: string, recorder: SessionRecorder): void {
    const set = this.recorders.get(subjectId);
    set?.delete(recorder);
    if (set?.size === 0) this.recorders.delete(subjectId);
  }

  /** Whether a conversation other than `except` holds the session now. */
  hasSession(sessionId: string, except: SessionRecorder): boolean {
    for (const set of this.recorders.values()) {
      for (const recorder of set) if (recorder !== except && recorder.sessionId === sessionId) return true;
    }
    return false;
  }

  /** Stops storing for every conversation of the subject. */
  stop(subjectId: string): void {
    for (const recorder of this.recorders.get(subjectId) ?? []) recorder.stop();
    this.recorders.delete(subjectId);
  }

  /** Every running conversation's writes. */
  idle(): Promise<void> {
    const all = [...this.recorders.values()].flatMap((set) => [...set]);
    return Promise.all(all.map((r) => r.idle())).then(() => undefined);
  }
}

function turnInput(record: TurnRecord, flags: Record<string, string> | undefined): TurnInput {
  const { asr, llm, tts } = record.providers;
  const providers: Record<string, string> = {};
  const details = turnDetails(record);
  if (asr) providers.asr = asr;
  if (llm) providers.llm = llm;
  if (tts) providers.tts = tts;
  // A joiner's words are stored only under its own consent to transcripts.
  const textKept = record.participant?.textsKept ?? true;
  return {
    turnIndex: record.turnId,
    inputSource: record.input === 'greeting' ? null : record.input,
    userText: textKept ? (record.user?.text ?? null) : null,
    replyText: record.spokenText,
    intent: record.nlu?.intent ?? null,
    confidence: record.nlu?.confidence ?? null,
    entities: textKept ? (record.nlu?.entities ?? []) : [],
    latency: { ...record.latency } as Record<string, number>,
    providers,
    answeredBy: record.answeredBy ?? null,
    answerSource: record.source ?? null,
    interrupted: record.interrupted,
    asrRejected: record.input === 'speech' && record.user?.understood === false,
    handedOff: record.handoff !== undefined,
    ...(flags ? { flags } : {}),
    ...(details ? { details } : {}),
  };
}

/** What the studio's debugger shows of the turn beyond its columns; undefined when there is nothing. */
function turnDetails(record: TurnRecord): TurnDetails | undefined {
  const details: TurnDetails = {};
  if (record.nlu?.ranking?.length) details.ranking = record.nlu.ranking;
  if (record.input === 'speech' && record.user) {
    details.asr = { confidence: record.user.confidence, understood: record.user.understood };
  }
  if (record.flow) details.flow = { ...record.flow };
  if (record.speaker) {
    // Without their consent to transcripts, a joiner is kept as a number, not by name.
    const named = record.participant?.textsKept ?? true;
    details.speaker = named
      ? { ...record.speaker }
      : { id: record.speaker.id, name: guestName(record.speaker.id) };
  }
  if (record.expressions?.length) details.expressions = record.expressions;
  if (record.speech) {
    const ms = (value: number) => Math.round(value * 10) / 10;
    details.visemes = record.speech.visemes.map((c) => ({
      viseme: c.viseme,
      startMs: ms(c.startMs),
      endMs: ms(c.endMs),
    }));
    if (record.speech.voice !== undefined) details.voice = record.speech.voice;
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

/**
 * The session's flags as telemetry keeps them, name → variant: the variant the rules chose, else
 * `on`/`off`; and each model version as `model.KIND`.
 */
export function flagVariants(
  stored: Record<string, unknown> | undefined,
): Record<string, string> | undefined {
  if (!stored) return undefined;
  const variants: Record<string, string> = {};
  const flags = stored.flags as Record<string, { value?: unknown; variant?: string }> | undefined;
  for (const [name, outcome] of Object.entries(flags ?? {})) {
    variants[name] = outcome.variant ?? (outcome.value ? 'on' : 'off');
  }
  const models = stored.models as Record<string, unknown> | undefined;
  for (const [kind, version] of Object.entries(models ?? {})) {
    const number =
      typeof version === 'object' && version !== null ? (version as { version?: unknown }).version : version;
    if (number !== undefined) variants[`model.${kind}`] = String(number);
  }
  return variants;
}

/**
 * A resumed session's transcript, slots and history from its stored turns. The slots are the
 * entities the person gave, by entity name (an agent's slots are usually named so).
 */
export function restoredConversation(turns: readonly StoredTurn[]): {
  transcript: TranscriptEntry[];
  slots: Record<string, string>;
  history: { user: string; reply: string }[];
} {
  const transcript: TranscriptEntry[] = [];
  const slots: Record<string, string> = {};
  const history: { user: string; reply: string }[] = [];
  for (const turn of turns) {
    const spoken = turn.inputSource !== null;
    const speaker = turn.details?.speaker;
    if (spoken)
      transcript.push({
        turnId: turn.turnIndex,
        role: 'user',
        text: turn.userText ?? '',
        ...(speaker ? { speaker: { ...speaker } } : {}),
      });
    transcript.push({
      turnId: turn.turnIndex,
      role: 'agent',
      text: turn.replyText ?? '',
      interrupted: turn.interrupted,
    });
    for (const entity of turn.entities ?? []) slots[entity.entity] = entity.value;
    if (spoken && turn.userText) history.push({ user: turn.userText, reply: turn.replyText ?? '' });
  }
  return { transcript, slots, history };
}
