import { randomUUID } from 'node:crypto';
import {
  type ClientFeedbackMessage,
  type ClientTimingMessage,
  type ConsentDecision,
  type DialogueContext,
  type DialoguePolicy,
  ErrorCode,
  isAbortError,
  type ParsedConsentSet,
  type SessionEndReason,
  type SessionStartedEvent,
  type Speaker,
  type Transcript,
  type TurnSpeaker,
  VisemoError,
  type VoiceActivityDetector,
} from '@visemo/core';
import type { ClientMessage, SessionJoinMessage, SessionStartMessage } from '../protocol/client-messages.js';
import type { ServerEvent } from '../protocol/server-events.js';
import type { AgentRuntime } from '../runtime.js';
import { ConversationTranscript, type TranscriptEntry } from './conversation-transcript.js';
import { EchoAwareBargeIn } from './echo-aware-barge-in.js';
import { FrameDispatcher } from './frame-dispatcher.js';
import { type ListeningFrame, ListeningStage } from './listening-stage.js';
import { type Participant, SessionParticipants } from './participants.js';
import {
  errorEvent,
  fatalCloseCode,
  isInternalError,
  sessionStartedEvent,
  transcriptFinalEvent,
  turnEndEvent,
} from './session-events.js';
import { type Expiry, SessionClock, type SessionTimeouts } from './session-timeouts.js';
import { SessionTurns } from './session-turns.js';
import { Turn } from './turn.js';
import { type ProviderNotice, turnContext } from './turn-context.js';
import { runGreetingTurn, runUserTurn, type TurnFrame, type TurnOptions } from './turn-pipeline.js';
import type { TurnInput, TurnRecord } from './turn-record.js';
import { isVoiceLabel, speakerLabel, UtteranceSpeakers } from './utterance-speakers.js';

export type { TranscriptEntry };

/** Where a session's events go: a WebSocket in the server, an array in tests and benchmarks. */
export interface SessionTransport {
  sendEvent(event: ServerEvent): void;
  sendAudio(samples: Int16Array): void;
  /** `code` is a WebSocket close code (RFC 6455, docs/protocol.md); 1000 unless given. */
  close(code?: number): void;
}

/** RFC 6455 close codes the session ends with. */
const NORMAL_CLOSURE = 1000;
const GOING_AWAY = 1001;

/** What a session starts from, decided before it opens (e.g. from storage, for a resumed session). */
export interface SessionSetup {
  /** The session's id, when something else chose it (a stored session); by default a random one. */
  sessionId?: string;
  /** The session continues an earlier one: after its last turn, without a greeting. */
  resumed?: boolean;
  /** The transcript so far of a resumed session. */
  transcript?: readonly TranscriptEntry[];
  /** What the dialogue starts from: remembered slots, the conversation so far. */
  dialogue?: DialogueContext;
  /** The `session.started` fields about the subject, its privacy and whether anything is stored. */
  started?: Pick<SessionStartedEvent, 'subject' | 'privacy' | 'storage' | 'features'>;
}

/** What a joiner's connection tells of its person before it joins: its subject and consent. */
export type JoinSetup = Pick<SessionStartedEvent, 'subject' | 'privacy' | 'storage'>;

/** A message of a joined participant, as its own connection hands it to the session it joined. */
type ParticipantMessage = Exclude<ClientMessage, { type: 'session.start' | 'session.join' }>;

/** A joiner's hold on the session it joined: its frames go in, and it leaves once. */
export interface JoinedParticipant {
  readonly speaker: Speaker;
  message(message: ParticipantMessage): void;
  audio(bytes: Uint8Array): void;
  /** Its consent changed (its own `consent.set`): whether its words may be stored. */
  consented(decision: ConsentDecision): void;
  leave(reason: 'left' | 'disconnected'): void;
}

export interface SessionOptions {
  /**
   * Decides, at `session.start`, what the session starts from. A promise holds the session (and the
   * client's next frames) until it settles; a rejection is the client's error and the session stays new.
   */
  prepare?: (message: SessionStartMessage) => SessionSetup | Promise<SessionSetup>;
  /** `consent.set`: records the person's choice. Absent, the session answers `storage_unavailable`. */
  onConsent?: (message: ParsedConsentSet) => Promise<ConsentDecision>;
  /**
   * A reply, after its turn ended, turned out shorter than recorded: a playback report or a
   * barge-in cut it. `text` is what the person heard of it.
   */
  onReplyHeard?: (turnId: number, heard: { text: string; interrupted: boolean }) => void;
  /** Set, a spoken turn's utterance is handed over as the listening stage heard it (16 kHz PCM16). */
  onUtteranceAudio?: (turnId: number, samples: Int16Array) => void;
  /** The session is over: ended by the client (`session.end`) or the dialogue, or its transport closed. */
  onClose?: (reason: 'client' | 'server' | 'transport') => void;
  /**
   * Every error the session did not expect — a fault of the server, not of the client, a provider
   * or the input — once, with its stack, for a server to log and count. The client is still sent
   * its typed `internal` error. By default nothing more is done.
   */
  onInternalError?: (error: unknown, where: { sessionId: string; turnId?: number }) => void;
  /** Each turn's record, as the turn ends. */
  onTurn?: (record: TurnRecord) => void;
  /**
   * `client.feedback` on an answer the session gave: stores the rating. Absent, the session
   * answers `storage_unavailable`.
   */
  onFeedback?: (feedback: ClientFeedbackMessage) => Promise<void>;
  /** The client's `client.timing` reports: when it played a turn's first sample and viseme. */
  onClientTiming?: (timing: ClientTimingMessage) => void;
  /** Start, idle and duration timeouts; none unless given (`createServer` gives its own). */
  timeouts?: SessionTimeouts;
  /**
   * How long speech that was not understood waits for more speech before it is answered, in ms
   * (missed-speech.ts); 0 answers at once. Default DEFAULT_MISSED_SPEECH_GRACE_MS.
   */
  missedSpeechGraceMs?: number;
  /**
   * Asked when a valid `session.start` arrives: an error refuses the session (sent as a fatal
   * error, and the connection closes), as a server does at its session cap. Asked again if a start
   * failed and the client tries once more.
   */
  admitStart?: () => VisemoError | undefined;
  /** The most people in one session, host included (docs/multi-party.md); default 6. */
  maxParticipants?: number;
  /**
   * `session.join`: the running session with this id, to join. Absent, or finding none, the join
   * is refused with `bad_invite`.
   */
  findSession?: (sessionId: string) => ConversationSession | undefined;
  /** At `session.join`: the joiner's subject and consent (nothing is stored for it as a session). */
  prepareJoin?: () => JoinSetup | Promise<JoinSetup>;
}

/**
 * One conversation. Transport-agnostic: it takes raw protocol frames and emits protocol events, so
 * the WebSocket server, tests and benchmarks drive the same code. The pipeline, stage by stage:
 *
 *   listening-stage.ts  microphone audio → VAD → streaming ASR, partials → end of turn → utterance
 *   turn-pipeline.ts    words → NLU → dialogue → sentence chunker → TTS → turn frames
 *   turn.ts             turn frames → protocol events, each hop's latency, the turn's record
 *
 * and around it: frame-dispatcher.ts takes the client's frames and keeps the session's state,
 * session-turns.ts knows which turn is playing (what a barge-in stops), conversation-transcript.ts
 * keeps what was said and heard. This class joins them.
 */
export class ConversationSession {
  private sessionId: string = randomUUID();
  private readonly dispatcher: FrameDispatcher;
  private readonly turns = new SessionTurns();
  private readonly conversationTranscript = new ConversationTranscript();
  private settings: SessionStartMessage | null = null;
  private dialogue: DialoguePolicy | null = null;
  /** Everyone in the conversation; the host (`p1`) once the session started. */
  private readonly participants: SessionParticipants;
  private host: Participant | null = null;
  /** The participant the agent answered last: a reply to someone else names them first. */
  private lastAnswered: string | null = null;
  /** Joiners whose consent does not cover transcripts: their words are not stored. */
  private readonly textsNotKept = new Set<string>();
  /** Set on a joiner's connection: the session it joined, where its frames go. */
  private joined: JoinedParticipant | null = null;
  /** The voice told apart on the microphone for each turn in progress, kept with its record. */
  private readonly voiceOfTurn = new Map<number, Speaker>();
  private readonly clock: SessionClock;
  /** Set while the server shuts down: the session ends once its live turn has. */
  private shuttingDown = false;
  /** Utterances heard whose transcript is still coming: each becomes a turn. */
  private pendingUtterances = 0;
  private setup: SessionSetup = {};

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly transport: SessionTransport,
    private readonly options: SessionOptions = {},
  ) {
    this.participants = new SessionParticipants(options.maxParticipants);
    this.dispatcher = new FrameDispatcher({
      start: (message) => this.start(message),
      join: (message) => this.join(message),
      message: (message) => {
        if (this.joined) this.joinedMessage(this.joined, message);
        else this.handleMessage(message, this.requireHost());
      },
      audio: (bytes) => {
        if (this.joined) this.joined.audio(bytes);
        else this.handleAudio(bytes, this.requireHost());
      },
      error: (error) => this.reportError(error),
    });
    this.clock = new SessionClock(
      options.timeouts ?? {},
      (expiry) => this.expired(expiry),
      Date.now,
      () => this.heartbeat(),
    );
  }

  /** A new random id, or the resumed session's once it started. */
  get id(): string {
    return this.sessionId;
  }

  get transcript(): readonly TranscriptEntry[] {
    return this.conversationTranscript.entries;
  }

  get isOpen(): boolean {
    return this.dispatcher.state === 'open';
  }

  /** A text frame from the client, as text or its UTF-8 bytes. Never throws: problems become `error` events. */
  handleText(frame: string | Uint8Array): void {
    this.activity();
    this.dispatcher.handleText(frame);
  }

  /** A binary frame from the client: microphone audio. Never throws. */
  handleBinary(bytes: Uint8Array): void {
    this.activity();
    this.dispatcher.handleBinary(bytes);
  }

  /** Someone in the conversation sent a frame: no one in it is idle. */
  private activity(): void {
    this.clock.activity();
    for (const participant of this.participants.present) participant.activity();
  }

  /**
   * This connection's transport closed. A host who leaves others in the conversation leaves it to
   * them; otherwise the session closes, as `close` does.
   */
  disconnected(): void {
    const host = this.host;
    if (host && !host.gone && this.participants.count > 1 && this.dispatcher.state === 'open') {
      this.leave(host, 'disconnected');
      return;
    }
    this.close();
  }

  /** Stop everything this session runs; every participant's transport is closed. */
  close(reason: 'client' | 'server' | 'transport' = 'transport'): void {
    if (!this.dispatcher.close()) return;
    this.clock.stop();
    this.turns.abort();
    this.joined?.leave(reason === 'client' ? 'left' : 'disconnected');
    for (const participant of [...this.participants.present]) {
      this.participants.remove(participant);
      if (participant !== this.host) closeQuietly(participant);
    }
    try {
      this.options.onClose?.(reason);
    } catch (error) {
      this.internalError(error);
    }
  }

  /**
   * The server is shutting down: the session takes no new turns, lets the live one finish, then
   * ends with `server_shutdown` (close code 1001). A connection that has not started is closed at
   * once with the `server_shutdown` error.
   */
  shutDown(): void {
    if (this.dispatcher.state === 'closed') return;
    if (this.dispatcher.state !== 'open') {
      this.refuse(new VisemoError(ErrorCode.ServerShutdown, 'the server is shutting down'));
      return;
    }
    this.shuttingDown = true;
    if (!this.busy) this.end('server_shutdown');
  }

  /** The shutdown's deadline passed: ends now, the live turn cut off. */
  shutDownNow(): void {
    if (this.dispatcher.state !== 'open') this.shutDown();
    else this.end('server_shutdown');
  }

  /** A turn is being produced, or an utterance heard is still being recognized. */
  private get busy(): boolean {
    return (
      this.turns.producing ||
      this.pendingUtterances > 0 ||
      this.participants.present.some((p) => p.missedSpeech.holding)
    );
  }

  // ---- the session: start, messages ---------------------------------------------------------------

  private start(message: SessionStartMessage): void {
    const voices = this.runtime.synthesizer.voices;
    if (message.voice !== undefined && !voices.includes(message.voice)) {
      throw new VisemoError(
        ErrorCode.BadMessage,
        `unknown voice "${message.voice}"; voices: ${voices.join(', ')}`,
      );
    }
    const refusal = this.options.admitStart?.();
    if (refusal) {
      this.refuse(refusal);
      return;
    }
    this.clock.started();
    this.settings = message;
    const setup = this.options.prepare?.(message) ?? {};
    if (!(setup instanceof Promise)) {
      this.begin(message, setup);
      return;
    }
    this.dispatcher.starting();
    setup
      .then(
        (ready) => {
          if (this.dispatcher.state !== 'starting') return;
          this.begin(message, ready);
        },
        (error: unknown) => {
          if (this.dispatcher.state !== 'starting') return;
          this.dispatcher.startFailed();
          this.reportError(error);
        },
      )
      .catch((error: unknown) => this.internalError(error));
  }

  private begin(message: SessionStartMessage, setup: SessionSetup): void {
    this.setup = setup;
    if (setup.sessionId !== undefined) this.sessionId = setup.sessionId;
    if (setup.transcript) this.conversationTranscript.restore(setup.transcript);
    this.dialogue = this.runtime.createDialogue(setup.dialogue);
    const host = this.participants.add(
      message.name,
      this.transport,
      message.audio,
      this.options.missedSpeechGraceMs,
    );
    this.host = host;
    this.withListening(host, message.sampleRate, () => this.dispatcher.state === 'starting', {
      waiting: () => this.dispatcher.starting(),
      ready: () => this.open(message),
      failed: (error) => {
        this.participants.remove(host);
        this.host = null;
        this.dispatcher.startFailed();
        this.reportError(error);
      },
    });
  }

  /**
   * Gives a participant its own listening stage (its own VAD and recognizer stream), at once or
   * once the VAD is made; `stillWanted` says, after a wait, whether the participant still is.
   */
  private withListening(
    participant: Participant,
    sampleRate: number,
    stillWanted: () => boolean,
    then: { waiting: () => void; ready: () => void; failed: (error: unknown) => void },
  ): void {
    if (!this.runtime.recognizer) {
      then.ready();
      return;
    }
    const vad = this.runtime.createVad();
    if (!(vad instanceof Promise)) {
      this.listen(participant, vad, sampleRate);
      then.ready();
      return;
    }
    then.waiting();
    vad
      .then(
        (made) => {
          if (!stillWanted()) return;
          this.listen(participant, made, sampleRate);
          then.ready();
        },
        (error: unknown) => then.failed(error),
      )
      .catch((error: unknown) => this.internalError(error));
  }

  private listen(participant: Participant, vad: VoiceActivityDetector, sampleRate: number): void {
    const { recognizer, timeouts, afterPhraseMs, unfinishedMs } = this.runtime;
    if (!recognizer) return;
    // The duck is for the device whose microphone hears the agent: this participant's.
    const echo =
      this.runtime.bargeIn === 'echo-aware'
        ? new EchoAwareBargeIn((e) => participant.transport.sendEvent(e))
        : null;
    participant.echoAware = echo;
    participant.voices = this.runtime.speakers === 'detect' ? new UtteranceSpeakers() : null;
    const noiseFilter = this.runtime.createNoiseSuppressor?.();
    const isHost = participant === this.host;
    participant.listening = new ListeningStage({
      vad: echo ? echo.vad(vad) : vad,
      recognizer,
      inputSampleRate: sampleRate,
      inputFilter: echo ? echo.inputFilter(noiseFilter) : noiseFilter,
      ...(echo ? { overlap: echo.overlap } : {}),
      asrTimeoutMs: timeouts.asrMs,
      ...(afterPhraseMs !== undefined ? { afterPhraseMs } : {}),
      ...(unfinishedMs !== undefined ? { unfinishedMs } : {}),
      // Recordings are the host's, under the host's consent; a joiner's voice is not recorded. The
      // voice print of an utterance needs its audio too (it is dropped after).
      ...((this.options.onUtteranceAudio && isHost) || participant.voices ? { keepAudio: true } : {}),
      speaker: isHost ? this.id : `${this.id}:${participant.id}`,
    });
  }

  private open(message: SessionStartMessage): void {
    this.dispatcher.open();
    const { persona } = this.runtime;
    const resumed = this.setup.resumed ?? false;
    const heartbeatMs = this.options.timeouts?.heartbeatMs;
    const host = this.requireHost();
    this.transport.sendEvent(
      sessionStartedEvent(this.id, persona, {
        resumed,
        ...this.setup.started,
        ...(heartbeatMs ? { heartbeatMs } : {}),
        participant: { ...host.speaker },
        participants: this.participants.speakers(),
        invite: { code: this.participants.inviteCode, maxParticipants: this.participants.maxParticipants },
      }),
    );
    if (resumed) this.turns.continueAfter(this.conversationTranscript.lastTurnId());
    else if (message.greet) {
      const turn = this.newTurn(this.turns.nextId(), 'greeting', performance.now());
      this.runTurn(turn, (options) => runGreetingTurn(options));
    } else this.turns.skipGreeting();
    this.dispatcher.replayBacklog();
  }

  private handleMessage(message: ParticipantMessage, from: Participant): void {
    switch (message.type) {
      case 'text': {
        this.refuseNewTurnWhileShuttingDown();
        this.interruptSpeech('client');
        const now = performance.now();
        const typed: Transcript = { text: message.text, confidence: 1, understood: true };
        this.beginTurn(this.turns.nextId(), message.text, 'text', typed, now, now, from);
        break;
      }
      case 'audio.hold':
        for (const frame of this.requireListening(from).hold()) this.onListening(frame, from);
        break;
      case 'audio.commit':
        this.refuseNewTurnWhileShuttingDown();
        for (const frame of this.requireListening(from).commit()) this.onListening(frame, from);
        break;
      case 'playback':
        this.recordPlayback(message.turnId, message.playedMs);
        break;
      case 'client.timing':
        // The turn's trace has one client: the host's.
        if (from === this.host) this.options.onClientTiming?.(message);
        break;
      case 'interrupt':
        this.interruptSpeech('client');
        break;
      case 'transcript.get':
        from.transport.sendEvent({ type: 'transcript', entries: this.transcriptEntries() });
        break;
      case 'session.end':
        this.end('client');
        break;
      case 'consent.set':
        this.setConsent(message);
        break;
      case 'client.feedback':
        this.recordFeedback(message, from);
        break;
    }
  }

  /**
   * The transcript as the protocol sends it: participants once the conversation was ever shared;
   * before that only voices told apart on the microphone (`v1`, `v2`), as `transcript.final` had them.
   */
  private transcriptEntries(): TranscriptEntry[] {
    const entries = this.conversationTranscript.copy();
    if (this.participants.shared) return entries;
    for (const entry of entries) if (!entry.speaker || !isVoiceLabel(entry.speaker)) delete entry.speaker;
    return entries;
  }

  // ---- participants: joining, leaving ----------------------------------------------------------

  /**
   * Another person's connection asks to join this session with its invite code: it gets a
   * listening stage of its own, `session.started` and the transcript so far, and everyone else
   * `participant.joined`. Refused with `bad_invite` (wrong code, or the session is not running)
   * or `session_full`.
   */
  async admit(
    message: SessionJoinMessage,
    transport: SessionTransport,
    setup: JoinSetup,
    /** Called on every frame anyone in the conversation sends: a listener who says nothing is not idle. */
    onActivity: () => void = () => {},
  ): Promise<JoinedParticipant> {
    const refuse = () =>
      new VisemoError(ErrorCode.BadInvite, 'no session with this id and invite code is running');
    if (!this.host || this.host.gone || this.dispatcher.state !== 'open' || this.shuttingDown) throw refuse();
    this.participants.checkJoin(message.invite);
    const participant = this.participants.add(
      message.name,
      transport,
      message.audio,
      this.options.missedSpeechGraceMs,
    );
    if (!setup.subject?.consent?.transcripts) this.textsNotKept.add(participant.id);
    try {
      await new Promise<void>((resolve, reject) => {
        this.withListening(participant, message.sampleRate, () => !participant.gone && this.isOpen, {
          waiting: () => undefined,
          ready: resolve,
          failed: reject,
        });
      });
    } catch (error) {
      this.participants.remove(participant);
      throw error;
    }
    if (participant.gone || !this.isOpen) throw refuse();
    participant.activity = onActivity;
    const heartbeatMs = this.options.timeouts?.heartbeatMs;
    transport.sendEvent(
      sessionStartedEvent(this.id, this.runtime.persona, {
        resumed: false,
        ...setup,
        ...(this.setup.started?.features ? { features: this.setup.started.features } : {}),
        ...(heartbeatMs ? { heartbeatMs } : {}),
        participant: { ...participant.speaker },
        participants: this.participants.speakers(),
      }),
    );
    transport.sendEvent({ type: 'transcript', entries: this.transcriptEntries() });
    this.participants.broadcast(
      { type: 'participant.joined', participant: { ...participant.speaker } },
      participant,
    );
    return {
      speaker: participant.speaker,
      message: (m) => {
        if (participant.gone) throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
        this.activity();
        this.handleMessage(m, participant);
      },
      audio: (bytes) => {
        if (participant.gone) throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
        this.activity();
        this.handleAudio(bytes, participant);
      },
      consented: (decision) => {
        if (decision.transcripts) this.textsNotKept.delete(participant.id);
        else this.textsNotKept.add(participant.id);
      },
      leave: (reason) => this.leave(participant, reason),
    };
  }

  /** Someone left: the others are told; the last to leave ends the conversation. */
  private leave(participant: Participant, reason: 'left' | 'disconnected'): void {
    if (!this.participants.remove(participant) || this.dispatcher.state === 'closed') return;
    if (this.participants.count === 0) {
      this.close('transport');
      return;
    }
    this.participants.broadcast({
      type: 'participant.left',
      participant: { ...participant.speaker },
      reason,
    });
  }

  /** On a joiner's connection: `session.join` finds the session and joins it. */
  private join(message: SessionJoinMessage): void {
    const refusal = () =>
      new VisemoError(ErrorCode.BadInvite, 'no session with this id and invite code is running');
    const host = this.options.findSession?.(message.sessionId);
    if (!host || host === this) {
      this.refuse(refusal());
      return;
    }
    // A joiner holds a listening stage as a session does: it counts against the server's cap.
    const full = this.options.admitStart?.();
    if (full) {
      this.refuse(full);
      return;
    }
    this.clock.started();
    this.dispatcher.starting();
    Promise.resolve()
      .then(() => this.options.prepareJoin?.() ?? {})
      .then((setup) => {
        if (this.dispatcher.state !== 'starting') throw refusal();
        return host.admit(message, this.transport, setup, () => this.clock.activity());
      })
      .then(
        (joined) => {
          if (this.dispatcher.state !== 'starting') {
            joined.leave('disconnected');
            return;
          }
          this.joined = joined;
          this.dispatcher.open();
          this.dispatcher.replayBacklog();
        },
        (error: unknown) => {
          if (this.dispatcher.state === 'closed') return;
          if (error instanceof VisemoError) this.refuse(error);
          else {
            this.internalError(error);
            this.refuse(new VisemoError(ErrorCode.Internal, 'the session could not be joined'));
          }
        },
      )
      .catch((error: unknown) => this.internalError(error));
  }

  /** A joiner's own connection answers for its consent and its leaving; the rest goes to the session. */
  private joinedMessage(joined: JoinedParticipant, message: ParticipantMessage): void {
    if (message.type === 'session.end') {
      this.end('client');
      return;
    }
    if (message.type === 'consent.set') this.setConsent(message, (decision) => joined.consented(decision));
    else joined.message(message);
  }

  private requireHost(): Participant {
    if (!this.host) throw new VisemoError(ErrorCode.NoSession, 'send session.start first');
    return this.host;
  }

  /** Tells the client the socket is alive, however quiet the conversation. */
  private heartbeat(): void {
    if (this.dispatcher.state !== 'open') return;
    try {
      this.transport.sendEvent({ type: 'heartbeat' });
    } catch {
      // The transport is going; its close ends the session.
    }
  }

  private end(reason: SessionEndReason): void {
    if (this.dispatcher.state === 'closed') return;
    this.toEveryone({ type: 'session.ended', reason });
    this.close(closeReason(reason));
    this.transport.close(reason === 'server_shutdown' ? GOING_AWAY : NORMAL_CLOSURE);
  }

  /**
   * Ends the connection with `error` as a fatal error event: refused at its start, no start in
   * time, or evicted by the server.
   */
  refuse(error: VisemoError): void {
    if (this.dispatcher.state === 'closed') return;
    this.transport.sendEvent({ type: 'error', code: error.code, message: error.message, fatal: true });
    this.close();
    this.transport.close(fatalCloseCode(error.code));
  }

  private expired(expiry: Expiry): void {
    if (expiry === 'start') {
      const seconds = Math.round((this.options.timeouts?.startMs ?? 0) / 1000);
      this.refuse(new VisemoError(ErrorCode.StartTimeout, `no session.start within ${seconds} s`));
    } else if (this.dispatcher.state === 'open') this.end(expiry);
    // A session still starting (its VAD loading) when a timer fires ends as a refused one would.
    else this.refuse(new VisemoError(ErrorCode.StartTimeout, 'the session did not start in time'));
  }

  private refuseNewTurnWhileShuttingDown(): void {
    if (this.shuttingDown) {
      throw new VisemoError(ErrorCode.ServerShutdown, 'the server is shutting down: no new turns');
    }
  }

  /** `recorded`: a joiner's session learns its new consent (whether its words may be stored). */
  private setConsent(message: ParsedConsentSet, recorded?: (decision: ConsentDecision) => void): void {
    const record = this.options.onConsent;
    if (!record) {
      throw new VisemoError(
        ErrorCode.StorageUnavailable,
        'this server keeps no data: there is no consent to give',
      );
    }
    record(message)
      .then((decision) => {
        recorded?.(decision);
        if (this.isOpen) this.transport.sendEvent({ type: 'consent', ...decision });
      })
      .catch((error: unknown) => this.reportError(error))
      .catch((error: unknown) => this.internalError(error));
  }

  private recordFeedback(message: ClientFeedbackMessage, from: Participant): void {
    if (!this.conversationTranscript.hasAnswer(message.turnId)) {
      throw new VisemoError(
        ErrorCode.UnknownTurn,
        `no answer with turnId ${message.turnId} in this session to rate (its turn.end comes first)`,
      );
    }
    const record = this.options.onFeedback;
    if (!record) {
      throw new VisemoError(ErrorCode.StorageUnavailable, 'this server keeps no data: feedback is not kept');
    }
    const { turnId, rating } = message;
    record(message)
      .then(() => {
        if (this.isOpen && !from.gone) from.transport.sendEvent({ type: 'feedback', turnId, rating });
      })
      .catch((error: unknown) => this.reportError(error, turnId, from))
      .catch((error: unknown) => this.internalError(error, turnId));
  }

  // ---- listening: audio → utterances ------------------------------------------------------------

  private handleAudio(bytes: Uint8Array, from: Participant): void {
    for (const frame of this.requireListening(from).push(bytes)) this.onListening(frame, from);
  }

  private requireListening(from: Participant): ListeningStage {
    if (!from.listening) {
      throw new VisemoError(ErrorCode.BadAudio, 'this agent takes no speech input; send text');
    }
    return from.listening;
  }

  private onListening(frame: ListeningFrame, from: Participant): void {
    switch (frame.type) {
      case 'vad':
        from.transport.sendEvent({
          type: 'vad',
          state: frame.event.type,
          atMs: Math.round(frame.event.atMs),
        });
        break;
      case 'barge-in':
        // Stop the answer in this same frame, before anything else is sent.
        this.interruptSpeech('barge-in');
        from.speechStarts++;
        from.missedSpeech.speechResumed();
        break;
      case 'duck':
        from.echoAware?.duck();
        break;
      case 'backchannel':
        from.echoAware?.restore();
        break;
      case 'partial':
        this.toEveryone({
          type: 'transcript.partial',
          turnId: this.turns.upcomingId,
          text: frame.text,
          ...this.speakerOf(from),
        });
        break;
      case 'utterance': {
        // Speech that ends after the shutdown began starts no turn.
        if (this.shuttingDown) break;
        const turnId = this.turns.nextId();
        const { endedAt } = frame;
        const startsBefore = from.speechStarts;
        this.pendingUtterances++;
        let pending = true;
        const recognized = () => {
          if (pending) this.pendingUtterances--;
          pending = false;
        };
        // Only the host's voice is recorded (a joiner's audio is kept for its voice print alone).
        if (frame.audio && from === this.host) this.handOverAudio(turnId, frame.audio);
        const voice = frame.audio && from.voices?.label(frame.audio);
        frame.transcript
          .then((transcript) => {
            recognized();
            if (!this.isOpen) return;
            const transcriptAt = performance.now();
            const answer = () => {
              if (this.isOpen)
                this.beginTurn(
                  turnId,
                  transcript.text,
                  'speech',
                  transcript,
                  endedAt,
                  transcriptAt,
                  from,
                  voice,
                );
            };
            // A push-to-talk release means the person is done; a pause may not.
            if (transcript.understood || frame.endedBy === 'release') answer();
            else if (from.speechStarts !== startsBefore)
              this.skipMissed(turnId, transcript, false, from, voice);
            else from.missedSpeech.hold(answer, () => this.skipMissed(turnId, transcript, true, from, voice));
          })
          .catch((error: unknown) => {
            recognized();
            if (!this.isOpen) return;
            // The person spoke and waits for an answer: say the recognizer failed, then answer as
            // for speech that was not understood (the dialogue asks them to say it again).
            this.reportError(error, turnId, from);
            const missed: Transcript = { text: '', confidence: 0, understood: false };
            this.beginTurn(turnId, '', 'speech', missed, endedAt, performance.now(), from, voice);
          })
          .catch((error: unknown) => this.internalError(error, turnId));
        break;
      }
    }
  }

  /**
   * Speech not understood that the person went on from: no answer of its own. Its turn id goes to
   * the next utterance when nothing took one since (`reuseId`: the client's caption of the piece
   * grows into the whole); otherwise the piece's caption is closed as not understood.
   */
  private skipMissed(
    turnId: number,
    transcript: Transcript,
    reuseId: boolean,
    from: Participant,
    voice?: TurnSpeaker,
  ): void {
    if (reuseId && this.turns.giveBack(turnId)) return;
    this.toEveryone({
      ...transcriptFinalEvent(turnId, '', transcript, 'speech'),
      ...this.speakerOf(from, voice),
    });
  }

  /**
   * The `speaker` field of a user turn's events: the participant once the conversation was ever
   * shared, else the voice told apart on the microphone (`speech.speakers: detect`), if any.
   */
  private speakerOf(from: Participant, voice?: TurnSpeaker): { speaker?: Speaker } {
    if (this.participants.shared) return { speaker: { ...from.speaker } };
    return voice ? { speaker: speakerLabel(voice) } : {};
  }

  /** An event for everyone in the conversation (the host's transport alone before it started). */
  private toEveryone(event: ServerEvent): void {
    if (this.host) this.participants.broadcast(event);
    else this.transport.sendEvent(event);
  }

  private handOverAudio(turnId: number, samples: Int16Array): void {
    try {
      this.options.onUtteranceAudio?.(turnId, samples);
    } catch (error) {
      this.internalError(error, turnId);
    }
  }

  // ---- turns --------------------------------------------------------------------------------------

  private newTurn(turnId: number, input: TurnInput, inputEndedAt: number): Turn {
    const { recognizer, llm, synthesizer } = this.runtime;
    return new Turn(turnId, {
      sessionId: this.id,
      input,
      inputEndedAt,
      synthesizer: synthesizer.name,
      ...(recognizer ? { recognizer: recognizer.name } : {}),
      ...(llm ? { llm: llm.name } : {}),
    });
  }

  private beginTurn(
    turnId: number,
    text: string,
    source: 'speech' | 'text',
    transcript: Transcript,
    inputEndedAt: number,
    transcriptAt: number,
    from: Participant,
    voice?: TurnSpeaker,
  ): void {
    const label = this.speakerOf(from, voice);
    if (voice && !this.participants.shared) this.voiceOfTurn.set(turnId, speakerLabel(voice));
    this.toEveryone({ ...transcriptFinalEvent(turnId, text, transcript, source), ...label });
    this.conversationTranscript.addUser(
      turnId,
      transcript.understood ? text : '',
      label.speaker ?? from.speaker,
    );
    const turn = this.newTurn(turnId, source, inputEndedAt);
    turn.transcribed(text, transcript, transcriptAt);
    // A turn that was not understood still gets an answer: the dialogue's fallback asks to rephrase.
    const heard = transcript.understood ? text : '';
    // With others present, a reply to someone the agent did not answer last names them first.
    const changed = this.lastAnswered !== null && this.lastAnswered !== from.id;
    const address =
      this.participants.count > 1 && this.lastAnswered !== from.id ? from.speaker.name : undefined;
    this.lastAnswered = from.id;
    // The dialogue hears who speaks only where there is more than one: a participant among several,
    // or a voice told apart on one microphone.
    const speaker: TurnSpeaker | undefined = this.participants.shared ? { ...from.speaker, changed } : voice;
    this.runTurn(
      turn,
      (options) => runUserTurn(heard, speaker ? { ...options, speaker } : options),
      from,
      address,
    );
  }

  private runTurn(
    turn: Turn,
    produce: (options: TurnOptions) => AsyncGenerator<TurnFrame>,
    from?: Participant,
    address?: string,
  ): void {
    this.turns.begin(turn);
    const settings = this.settings as SessionStartMessage;
    const frames = produce({
      runtime: this.runtime,
      dialogue: this.dialogue as DialoguePolicy,
      // Spoken when anyone listens; a text-only participant gets the captions alone.
      speak: this.participants.present.some((p) => p.audio),
      voice: settings.voice ?? this.runtime.persona.voice,
      signal: turn.signal,
      ...(address !== undefined ? { address } : {}),
    });
    // Providers report fallbacks through the turn's async context: see turn-context.ts.
    const notify = (notice: ProviderNotice) => {
      if (!this.isOpen) return;
      turn.noted(notice);
      this.toEveryone({ type: 'provider', turnId: turn.id, ...notice });
    };
    turnContext
      .run({ notify }, () => this.pump(turn, frames, from))
      .catch((error: unknown) => this.internalError(error, turn.id));
  }

  private async pump(turn: Turn, frames: AsyncGenerator<TurnFrame>, from?: Participant): Promise<void> {
    let endSession = false;
    try {
      for await (const frame of frames) {
        if (turn.aborted || !this.isOpen) break;
        endSession = this.emitFrame(turn, frame) || endSession;
      }
    } catch (error) {
      if (!isAbortError(error) && !turn.aborted) this.reportError(error, turn.id);
    } finally {
      await frames.return(undefined).catch((error: unknown) => {
        if (!isAbortError(error)) this.internalError(error, turn.id);
      });
    }
    if (!this.isOpen) return;
    const interrupted = this.turns.end(turn);
    const record = turn.record(performance.now());
    const slots = this.dialogue?.slots;
    if (slots) record.slots = slots;
    const voice = this.voiceOfTurn.get(turn.id);
    this.voiceOfTurn.delete(turn.id);
    if (from && this.participants.shared) {
      record.speaker = { ...from.speaker };
      record.participant = { host: from === this.host, textsKept: !this.textsNotKept.has(from.id) };
    } else if (voice) {
      record.speaker = voice;
    }
    this.conversationTranscript.addAgent(turn.id, record.spokenText, interrupted);
    if (interrupted) this.dialogue?.replyHeard?.(record.spokenText);
    this.toEveryone(turnEndEvent(record));
    this.publish(record);
    if (endSession) this.end('server');
    else if (this.shuttingDown && !this.busy) this.end('server_shutdown');
  }

  /** Sends one frame's events; returns true when the dialogue ended the conversation. */
  private emitFrame(turn: Turn, frame: TurnFrame): boolean {
    const step = turn.take(frame, performance.now());
    if (step.firstAudio) this.turns.spoke(turn);
    for (const event of step.events) this.participants.broadcast(event);
    if (step.audio) this.participants.broadcastAudio(step.audio);
    if (step.audio && frame.type === 'audio') {
      for (const participant of this.participants.present) {
        if (participant.audio)
          participant.echoAware?.sent(turn.id, step.audio, frame.synthesis.audio.sampleRate);
      }
    }
    return step.endSession;
  }

  private publish(record: TurnRecord): void {
    try {
      this.options.onTurn?.(record);
    } catch (error) {
      this.internalError(error, record.turnId);
    }
  }

  /**
   * Stops the avatar speaking: aborts the turn being generated and, if the client is still playing
   * an earlier turn's audio, tells it to flush. Runs synchronously, so no further audio leaves.
   */
  private interruptSpeech(reason: 'barge-in' | 'client'): void {
    const stopped = this.turns.interrupt(performance.now());
    if (!stopped) return;
    for (const participant of this.participants.present) participant.echoAware?.stopped();
    this.toEveryone({ type: 'interrupted', turnId: stopped.turnId, reason });
    if (!stopped.ended) return;
    const entry = this.conversationTranscript.markInterrupted(stopped.turnId);
    if (entry) this.replyHeard(stopped.turnId, entry.text, true);
  }

  private replyHeard(turnId: number, text: string, interrupted: boolean): void {
    try {
      this.options.onReplyHeard?.(turnId, { text, interrupted });
    } catch (error) {
      this.internalError(error, turnId);
    }
  }

  /** The client says how much of a turn it played: the transcript keeps just that. */
  private recordPlayback(turnId: number, playedMs: number): void {
    const reply = this.turns.replyOf(turnId);
    if (!reply) return;
    reply.markPlayed(playedMs);
    const heard = reply.spokenText();
    const entry = this.conversationTranscript.replaceHeard(turnId, heard);
    if (!entry) return;
    if (entry.latest) this.dialogue?.replyHeard?.(heard);
    this.replyHeard(turnId, heard, entry.interrupted);
  }

  // ---- errors -----------------------------------------------------------------------------------

  /**
   * Tells the client what went wrong, as a typed error; a fault of the server goes on to the hook.
   * A turn's error goes to everyone, one of a participant's own input to that participant.
   */
  private reportError(error: unknown, turnId?: number, to?: Participant): void {
    if (isInternalError(error)) this.internalError(error, turnId);
    const closed = this.dispatcher.state === 'closed';
    if (closed && !(error instanceof VisemoError && error.code === ErrorCode.SessionClosed)) return;
    try {
      if (to) {
        if (!to.gone) to.transport.sendEvent(errorEvent(error));
      } else if (turnId !== undefined) this.toEveryone(errorEvent(error));
      else this.transport.sendEvent(errorEvent(error));
    } catch (sendError) {
      // The transport is gone; nothing more can be told to the client.
      this.internalError(sendError, turnId);
    }
  }

  /** The one place every unexpected error goes: the session's `onInternalError`. */
  private internalError(error: unknown, turnId?: number): void {
    const hook = this.options.onInternalError;
    if (!hook) return;
    try {
      hook(error, turnId === undefined ? { sessionId: this.id } : { sessionId: this.id, turnId });
    } catch {
      // A broken hook must not break the conversation it reports on.
    }
  }
}

/**
 * How an ended session is closed for its `onClose` (what storage records): a server shutdown leaves
 * the conversation to be resumed after the client reconnects, as a dropped connection does; the
 * timeouts end it, as the server's own end does.
 */
function closeReason(reason: SessionEndReason): 'client' | 'server' | 'transport' {
  if (reason === 'client') return 'client';
  return reason === 'server_shutdown' ? 'transport' : 'server';
}

/** Closes a joiner's connection as the session ends; a transport already gone is no matter. */
function closeQuietly(participant: Participant): void {
  try {
    participant.transport.close(NORMAL_CLOSURE);
  } catch {
    // Gone already.
  }
}
