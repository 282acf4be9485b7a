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
  type Transcript,
  type TurnSpeaker,
  VisemoError,
  type VoiceActivityDetector,
} from '@visemo/core';
import type { ClientMessage, SessionStartMessage } from '../protocol/client-messages.js';
import type { ServerEvent } from '../protocol/server-events.js';
import type { AgentRuntime } from '../runtime.js';
import { ConversationTranscript, type TranscriptEntry } from './conversation-transcript.js';
import { EchoAwareBargeIn } from './echo-aware-barge-in.js';
import { FrameDispatcher } from './frame-dispatcher.js';
import { type ListeningFrame, ListeningStage } from './listening-stage.js';
import { MissedSpeech } from './missed-speech.js';
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
import { speakerLabel, UtteranceSpeakers } from './utterance-speakers.js';

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
  private listening: ListeningStage | null = null;
  private echoAware: EchoAwareBargeIn | null = null;
  /** Who said each utterance, with `speech.speakers: detect`. */
  private speakers: UtteranceSpeakers | null = null;
  private readonly clock: SessionClock;
  /** Set while the server shuts down: the session ends once its live turn has. */
  private shuttingDown = false;
  /** Utterances heard whose transcript is still coming: each becomes a turn. */
  private pendingUtterances = 0;
  /** Speech that was not understood, answered once its stretch of speech has ended. */
  private readonly missedSpeech: MissedSpeech;
  /** Starts of speech so far: whether the person spoke again while an utterance was recognized. */
  private speechStarts = 0;
  private setup: SessionSetup = {};

  constructor(
    private readonly runtime: AgentRuntime,
    private readonly transport: SessionTransport,
    private readonly options: SessionOptions = {},
  ) {
    this.missedSpeech = new MissedSpeech(options.missedSpeechGraceMs);
    this.dispatcher = new FrameDispatcher({
      start: (message) => this.start(message),
      message: (message) => this.handleMessage(message),
      audio: (bytes) => this.handleAudio(bytes),
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
    this.clock.activity();
    this.dispatcher.handleText(frame);
  }

  /** A binary frame from the client: microphone audio. Never throws. */
  handleBinary(bytes: Uint8Array): void {
    this.clock.activity();
    this.dispatcher.handleBinary(bytes);
  }

  /** The transport closed: stop everything this session runs. */
  close(reason: 'client' | 'server' | 'transport' = 'transport'): void {
    if (!this.dispatcher.close()) return;
    this.clock.stop();
    this.missedSpeech.close();
    this.turns.abort();
    this.listening?.close();
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
    return this.turns.producing || this.pendingUtterances > 0 || this.missedSpeech.holding;
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
    if (!this.runtime.recognizer) {
      this.open(message);
      return;
    }
    const vad = this.runtime.createVad();
    if (!(vad instanceof Promise)) {
      this.listen(vad, message);
      this.open(message);
      return;
    }
    this.dispatcher.starting();
    vad
      .then(
        (ready) => {
          if (this.dispatcher.state !== 'starting') return;
          this.listen(ready, message);
          this.open(message);
        },
        (error: unknown) => {
          this.dispatcher.startFailed();
          this.reportError(error);
        },
      )
      .catch((error: unknown) => this.internalError(error));
  }

  private listen(vad: VoiceActivityDetector, message: SessionStartMessage): void {
    const { recognizer, timeouts, afterPhraseMs, unfinishedMs } = this.runtime;
    if (!recognizer) return;
    const echo =
      this.runtime.bargeIn === 'echo-aware' ? new EchoAwareBargeIn((e) => this.transport.sendEvent(e)) : null;
    this.echoAware = echo;
    this.speakers = this.runtime.speakers === 'detect' ? new UtteranceSpeakers() : null;
    const noiseFilter = this.runtime.createNoiseSuppressor?.();
    this.listening = new ListeningStage({
      vad: echo ? echo.vad(vad) : vad,
      recognizer,
      inputSampleRate: message.sampleRate,
      inputFilter: echo ? echo.inputFilter(noiseFilter) : noiseFilter,
      ...(echo ? { overlap: echo.overlap } : {}),
      asrTimeoutMs: timeouts.asrMs,
      ...(afterPhraseMs !== undefined ? { afterPhraseMs } : {}),
      ...(unfinishedMs !== undefined ? { unfinishedMs } : {}),
      ...(this.options.onUtteranceAudio || this.speakers ? { keepAudio: true } : {}),
      speaker: this.id,
    });
  }

  private open(message: SessionStartMessage): void {
    this.dispatcher.open();
    const { persona } = this.runtime;
    const resumed = this.setup.resumed ?? false;
    const heartbeatMs = this.options.timeouts?.heartbeatMs;
    this.transport.sendEvent(
      sessionStartedEvent(this.id, persona, {
        resumed,
        ...this.setup.started,
        ...(heartbeatMs ? { heartbeatMs } : {}),
      }),
    );
    if (resumed) this.turns.continueAfter(this.conversationTranscript.lastTurnId());
    else if (message.greet) {
      const turn = this.newTurn(this.turns.nextId(), 'greeting', performance.now());
      this.runTurn(turn, (options) => runGreetingTurn(options));
    } else this.turns.skipGreeting();
    this.dispatcher.replayBacklog();
  }

  private handleMessage(message: Exclude<ClientMessage, { type: 'session.start' }>): void {
    switch (message.type) {
      case 'text': {
        this.refuseNewTurnWhileShuttingDown();
        this.interruptSpeech('client');
        const now = performance.now();
        const typed: Transcript = { text: message.text, confidence: 1, understood: true };
        this.beginTurn(this.turns.nextId(), message.text, 'text', typed, now, now);
        break;
      }
      case 'audio.hold':
        for (const frame of this.requireListening().hold()) this.onListening(frame);
        break;
      case 'audio.commit':
        this.refuseNewTurnWhileShuttingDown();
        for (const frame of this.requireListening().commit()) this.onListening(frame);
        break;
      case 'playback':
        this.recordPlayback(message.turnId, message.playedMs);
        break;
      case 'client.timing':
        this.options.onClientTiming?.(message);
        break;
      case 'interrupt':
        this.interruptSpeech('client');
        break;
      case 'transcript.get':
        this.transport.sendEvent({ type: 'transcript', entries: this.conversationTranscript.copy() });
        break;
      case 'session.end':
        this.end('client');
        break;
      case 'consent.set':
        this.setConsent(message);
        break;
      case 'client.feedback':
        this.recordFeedback(message);
        break;
    }
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
    this.transport.sendEvent({ type: 'session.ended', reason });
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

  private setConsent(message: ParsedConsentSet): void {
    const record = this.options.onConsent;
    if (!record) {
      throw new VisemoError(
        ErrorCode.StorageUnavailable,
        'this server keeps no data: there is no consent to give',
      );
    }
    record(message)
      .then((decision) => {
        if (this.isOpen) this.transport.sendEvent({ type: 'consent', ...decision });
      })
      .catch((error: unknown) => this.reportError(error))
      .catch((error: unknown) => this.internalError(error));
  }

  private recordFeedback(message: ClientFeedbackMessage): void {
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
        if (this.isOpen) this.transport.sendEvent({ type: 'feedback', turnId, rating });
      })
      .catch((error: unknown) => this.reportError(error, turnId))
      .catch((error: unknown) => this.internalError(error, turnId));
  }

  // ---- listening: audio → utterances ------------------------------------------------------------

  private handleAudio(bytes: Uint8Array): void {
    for (const frame of this.requireListening().push(bytes)) this.onListening(frame);
  }

  private requireListening(): ListeningStage {
    if (!this.listening) {
      throw new VisemoError(ErrorCode.BadAudio, 'this agent takes no speech input; send text');
    }
    return this.listening;
  }

  private onListening(frame: ListeningFrame): void {
    switch (frame.type) {
      case 'vad':
        this.transport.sendEvent({
          type: 'vad',
          state: frame.event.type,
          atMs: Math.round(frame.event.atMs),
        });
        break;
      case 'barge-in':
        // Stop the answer in this same frame, before anything else is sent.
        this.interruptSpeech('barge-in');
        this.speechStarts++;
        this.missedSpeech.speechResumed();
        break;
      case 'duck':
        this.echoAware?.duck();
        break;
      case 'backchannel':
        this.echoAware?.restore();
        break;
      case 'partial':
        this.transport.sendEvent({
          type: 'transcript.partial',
          turnId: this.turns.upcomingId,
          text: frame.text,
        });
        break;
      case 'utterance': {
        // Speech that ends after the shutdown began starts no turn.
        if (this.shuttingDown) break;
        const turnId = this.turns.nextId();
        const { endedAt } = frame;
        const startsBefore = this.speechStarts;
        this.pendingUtterances++;
        let pending = true;
        const recognized = () => {
          if (pending) this.pendingUtterances--;
          pending = false;
        };
        if (frame.audio) this.handOverAudio(turnId, frame.audio);
        const speaker = frame.audio && this.speakers?.label(frame.audio);
        frame.transcript
          .then((transcript) => {
            recognized();
            if (!this.isOpen) return;
            const transcriptAt = performance.now();
            const answer = () => {
              if (this.isOpen)
                this.beginTurn(turnId, transcript.text, 'speech', transcript, endedAt, transcriptAt, speaker);
            };
            // A push-to-talk release means the person is done; a pause may not.
            if (transcript.understood || frame.endedBy === 'release') answer();
            else if (this.speechStarts !== startsBefore) this.skipMissed(turnId, transcript, false, speaker);
            else this.missedSpeech.hold(answer, () => this.skipMissed(turnId, transcript, true, speaker));
          })
          .catch((error: unknown) => {
            recognized();
            if (!this.isOpen) return;
            // The person spoke and waits for an answer: say the recognizer failed, then answer as
            // for speech that was not understood (the dialogue asks them to say it again).
            this.reportError(error, turnId);
            const missed: Transcript = { text: '', confidence: 0, understood: false };
            this.beginTurn(turnId, '', 'speech', missed, endedAt, performance.now(), speaker);
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
  private skipMissed(turnId: number, transcript: Transcript, reuseId: boolean, speaker?: TurnSpeaker): void {
    if (reuseId && this.turns.giveBack(turnId)) return;
    this.transport.sendEvent(
      transcriptFinalEvent(turnId, '', transcript, 'speech', speaker && speakerLabel(speaker)),
    );
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
    speaker?: TurnSpeaker,
  ): void {
    const label = speaker && speakerLabel(speaker);
    this.transport.sendEvent(transcriptFinalEvent(turnId, text, transcript, source, label));
    this.conversationTranscript.addUser(turnId, transcript.understood ? text : '', label);
    const turn = this.newTurn(turnId, source, inputEndedAt);
    turn.transcribed(text, transcript, transcriptAt);
    // A turn that was not understood still gets an answer: the dialogue's fallback asks to rephrase.
    const heard = transcript.understood ? text : '';
    this.runTurn(turn, (options) => runUserTurn(heard, speaker ? { ...options, speaker } : options));
  }

  private runTurn(turn: Turn, produce: (options: TurnOptions) => AsyncGenerator<TurnFrame>): void {
    this.turns.begin(turn);
    const settings = this.settings as SessionStartMessage;
    const frames = produce({
      runtime: this.runtime,
      dialogue: this.dialogue as DialoguePolicy,
      speak: settings.audio,
      voice: settings.voice ?? this.runtime.persona.voice,
      signal: turn.signal,
    });
    // Providers report fallbacks through the turn's async context: see turn-context.ts.
    const notify = (notice: ProviderNotice) => {
      if (!this.isOpen) return;
      turn.noted(notice);
      this.transport.sendEvent({ type: 'provider', turnId: turn.id, ...notice });
    };
    turnContext
      .run({ notify }, () => this.pump(turn, frames))
      .catch((error: unknown) => this.internalError(error, turn.id));
  }

  private async pump(turn: Turn, frames: AsyncGenerator<TurnFrame>): Promise<void> {
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
    this.conversationTranscript.addAgent(turn.id, record.spokenText, interrupted);
    if (interrupted) this.dialogue?.replyHeard?.(record.spokenText);
    this.transport.sendEvent(turnEndEvent(record));
    this.publish(record);
    if (endSession) this.end('server');
    else if (this.shuttingDown && !this.busy) this.end('server_shutdown');
  }

  /** Sends one frame's events; returns true when the dialogue ended the conversation. */
  private emitFrame(turn: Turn, frame: TurnFrame): boolean {
    const step = turn.take(frame, performance.now());
    if (step.firstAudio) this.turns.spoke(turn);
    for (const event of step.events) this.transport.sendEvent(event);
    if (step.audio) this.transport.sendAudio(step.audio);
    if (step.audio && frame.type === 'audio')
      this.echoAware?.sent(turn.id, step.audio, frame.synthesis.audio.sampleRate);
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
    this.echoAware?.stopped();
    this.transport.sendEvent({ type: 'interrupted', turnId: stopped.turnId, reason });
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

  /** Tells the client what went wrong, as a typed error; a fault of the server goes on to the hook. */
  private reportError(error: unknown, turnId?: number): void {
    if (isInternalError(error)) this.internalError(error, turnId);
    const closed = this.dispatcher.state === 'closed';
    if (closed && !(error instanceof VisemoError && error.code === ErrorCode.SessionClosed)) return;
    try {
      this.transport.sendEvent(errorEvent(error));
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
