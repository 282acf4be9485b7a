import { ErrorCode, VisemoError } from '@visemo/core/errors';
import type { VisemeCue } from '@visemo/core/visemes-types';
import { CAPTURE_RATE } from './capture/microphone.js';
import { MicrophoneInput } from './capture/microphone-input.js';
import { DEFAULT_RECONNECT, type ReconnectOptions } from './connection/backoff.js';
import { ServerConnection, type TokenSource, type WebSocketFactory } from './connection/server-connection.js';
import {
  type ConsentChoice,
  type ConsentState,
  type ErasureResult,
  type MemoryFact,
  SubjectData,
  type SubjectExport,
} from './data/subject-data.js';
import { TypedEmitter } from './emitter.js';
import type {
  ClientEvent,
  ClientEventType,
  ConnectionStatus,
  MicrophoneMode,
  SdkEvent,
  TranscriptEntry,
} from './events.js';
import { InputToAudioLatency } from './input-to-audio.js';
import { heardTime } from './playback/audio-clock.js';
import { ReplyPlayer } from './playback/reply-player.js';
import { DEFAULT_PLAYBACK_TIMING } from './playback/timeline.js';
import { TurnTimingReports } from './playback/turn-timing.js';
import type { FeedbackRating, ServerEvent, SessionStartedEvent } from './protocol.js';

export interface VisemoClientOptions {
  /** The server's WebSocket endpoint, e.g. `wss://example.com/v1/ws`. */
  url: string;
  /** `false`: text-only mode — captions, no audio either way, no AudioContext. Default true. */
  audio?: boolean;
  voice?: string;
  /** Whether the agent opens with its greeting. Sessions opened by a reconnect never greet. */
  greet?: boolean;
  /** The person's display name: speaker labels, and the name the agent addresses them by among several. */
  name?: string;
  /**
   * Joins a running conversation (docs/multi-party.md) with the `sessionId` and invite code its
   * host was given (`client.invite`), instead of starting one.
   */
  join?: { sessionId: string; invite: string };
  /** Reconnection with exponential backoff and jitter; `false` to turn it off. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** Jitter-buffer lead for the first chunk after silence, in ms (default 80). */
  playbackLeadMs?: number;
  /** An AudioContext to share with the page; by default the client makes one at `connect()`. */
  audioContext?: AudioContext;
  /** Where the agent's voice goes, e.g. a GainNode for volume (same context); default its destination. */
  output?: AudioNode;
  /** Opens the socket; defaults to the global `WebSocket` (pass `ws` in Node). */
  createSocket?: WebSocketFactory;
  /**
   * The session token the server asks for (docs/security.md): a string, or a function that fetches
   * a fresh one before every connect. Absent: no token is offered (an open server).
   */
  token?: TokenSource;
  /**
   * The page draws the avatar's mouth and calls `visemeDrawn()` for each turn: the `client.timing`
   * report then waits for it. Default false: the report carries the first sample heard alone.
   */
  drawsVisemes?: boolean;
}

/**
 * A conversation with a Visemo agent over protocol version 1: the WebSocket session, microphone
 * capture, audio playback with lip-sync timing, barge-in and reconnection. No UI. Each of those is
 * a module of its own; this class wires them to one another and to the page's listeners.
 */
export class VisemoClient {
  private readonly options: VisemoClientOptions;
  private readonly emitter = new TypedEmitter<ClientEvent>();
  private readonly connection: ServerConnection;
  private readonly player: ReplyPlayer;
  private readonly microphone: MicrophoneInput;
  private readonly latency = new InputToAudioLatency();
  private readonly subjectData: SubjectData;
  private readonly timing: TurnTimingReports;
  private context: AudioContext | null;
  private readonly ownsContext: boolean;
  /** Typed messages waiting for the connection to come back, oldest first. */
  private queuedTexts: { id: number; text: string }[] = [];
  private present: { id: string; name: string }[] = [];
  private lastTextId = 0;

  constructor(options: VisemoClientOptions) {
    this.options = options;
    this.context = options.audioContext ?? null;
    this.subjectData = new SubjectData(options.url, options.token);
    this.ownsContext = !options.audioContext;
    const emit = (event: SdkEvent) => this.emitter.emit(event);
    this.timing = new TurnTimingReports(
      (report) => {
        if (this.connection.isOpen) this.connection.send(report);
      },
      () => options.drawsVisemes === true,
    );
    this.emitter.on('playback.start', (e) => this.timing.samplePlayed(e.turnId, e.atPerfMs));
    this.emitter.on('playback.end', (e) => this.timing.playbackEnded(e.turnId));
    this.connection = new ServerConnection({
      url: options.url,
      createSocket: options.createSocket,
      token: options.token,
      reconnect: options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...options.reconnect },
      session: {
        sampleRate: CAPTURE_RATE,
        audio: this.audioEnabled,
        voice: options.voice,
        greet: options.greet !== false,
        name: options.name,
        join: options.join,
      },
      onEvent: (event) => this.onServerEvent(event),
      onAudio: (chunk, bytes) => {
        this.timing.chunkReceived(chunk.turnId, chunk.seq, performance.now());
        this.player.play(chunk, bytes);
      },
      onLost: () => {
        this.player.flush(false);
        this.microphone.cancelTalking();
      },
      emit,
    });
    this.player = new ReplyPlayer({
      context: () => this.context,
      output: options.output,
      timing: {
        ...DEFAULT_PLAYBACK_TIMING,
        leadSec: (options.playbackLeadMs ?? DEFAULT_PLAYBACK_TIMING.leadSec * 1000) / 1000,
      },
      emit,
      report: (turnId, playedMs) => {
        if (this.connection.isOpen) this.connection.send({ type: 'playback', turnId, playedMs });
      },
      firstAudio: (turnId, atPerfMs, clockRunning) => this.latency.firstAudio(turnId, atPerfMs, clockRunning),
    });
    this.microphone = new MicrophoneInput({
      audio: this.audioEnabled,
      context: () => this.ensureContext(),
      resumeAudio: () => this.resumeAudio(),
      emit,
      sendFrame: (pcm) => {
        if (this.connection.isOpen) this.connection.sendAudio(pcm);
      },
      talkStarted: () => {
        if (this.player.answering) this.interrupt();
        if (this.connection.isOpen) this.connection.send({ type: 'audio.hold' });
      },
      talkEnded: () => {
        if (!this.connection.isOpen) return;
        this.latency.inputEnded();
        this.connection.send({ type: 'audio.commit' });
      },
    });
  }

  // ---- events -----------------------------------------------------------------------------------

  /** Listens for one event type; returns a function that removes the listener. */
  on<T extends ClientEventType>(
    type: T,
    listener: (event: Extract<ClientEvent, { type: T }>) => void,
  ): () => void {
    return this.emitter.on(type, listener);
  }

  /** Listens for every event. */
  onAny(listener: (event: ClientEvent) => void): () => void {
    return this.emitter.onAny(listener);
  }

  /**
   * Called once per audio chunk, before it plays, with its mouth shapes and the AudioContext time
   * of its first sample: hand both to `avatar.scheduleVisemes(cues, startTimeSec)` and drive the
   * avatar's `update()` with `client.currentTime`.
   */
  onVisemeSchedule(listener: (cues: VisemeCue[], startTimeSec: number, turnId: number) => void): () => void {
    return this.emitter.on('visemes', (e) => listener(e.cues, e.startTimeSec, e.turnId));
  }

  // ---- state ------------------------------------------------------------------------------------

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** The current session, once the server has started it. */
  get session(): SessionStartedEvent | null {
    return this.connection.session;
  }

  /** This connection's participant of the session (`p1` for the host), once started. */
  get participant(): { id: string; name: string } | null {
    return this.connection.session?.participant ?? null;
  }

  /** Everyone in the conversation now, in order of joining; updated as people join and leave. */
  get participants(): readonly { id: string; name: string }[] {
    return this.present;
  }

  /**
   * To the host: what others join with — `client.join`'s `{ sessionId, invite }` — or null (a
   * joiner, or a server without multi-party conversations).
   */
  get invite(): { sessionId: string; invite: string } | null {
    const session = this.connection.session;
    return session?.invite ? { sessionId: session.sessionId, invite: session.invite.code } : null;
  }

  get audioEnabled(): boolean {
    return this.options.audio !== false;
  }

  /** The AudioContext playing the agent's voice (null in text-only mode or before `connect()`). */
  get audioContext(): AudioContext | null {
    return this.context;
  }

  /**
   * The AudioContext time of the sample being heard now, in seconds: the clock to pass to the
   * avatar's `update()`. 0 without audio.
   */
  get currentTime(): number {
    return this.context ? heardTime(this.context) : 0;
  }

  /** Whether agent audio is queued or playing. */
  get speaking(): boolean {
    return this.player.speaking;
  }

  get microphoneActive(): boolean {
    return this.microphone.active;
  }

  get microphoneMode(): MicrophoneMode {
    return this.microphone.mode;
  }

  get isTalking(): boolean {
    return this.microphone.isTalking;
  }

  /**
   * The renderer drew the first mouth shape of a turn's reply (at `atPerfMs` on `performance.now()`,
   * default now): reported to the server with the turn's other client-side timings, for its trace.
   */
  visemeDrawn(turnId: number, atPerfMs: number = performance.now()): void {
    this.timing.visemeDrawn(turnId, atPerfMs);
  }

  // ---- session ----------------------------------------------------------------------------------

  /**
   * Opens the socket and starts a session; resolves with `session.started`. Call it from a user
   * gesture (a click) where possible: browsers let an AudioContext play only after one.
   */
  connect(): Promise<SessionStartedEvent> {
    const session = this.connection.session;
    if (session && this.connection.status === 'open') return Promise.resolve(session);
    if (this.audioEnabled) this.ensureContext();
    void this.resumeAudio();
    // The greeting's latency counts from here.
    if (!this.connection.opening) this.latency.inputEnded();
    return this.connection.connect();
  }

  /** Lets audio play after the browser's autoplay policy held it; call from a user gesture. */
  async resumeAudio(): Promise<void> {
    if (this.context && this.context.state === 'suspended') {
      await this.context.resume().catch(() => undefined);
    }
  }

  /**
   * Sends typed input: a turn without audio. Stops the agent if it is speaking. While the
   * connection is coming back (connecting, reconnecting, offline) the text waits and goes when the
   * session has started again: `text.queued` now, `text.sent` then. `id` names it in both events.
   */
  sendText(text: string): { id: number; queued: boolean } {
    const trimmed = text.trim();
    if (!trimmed) throw new VisemoError(ErrorCode.BadMessage, 'text is empty');
    const limit = this.connection.session?.limits.maxTextChars;
    if (limit !== undefined && trimmed.length > limit) {
      throw new VisemoError(ErrorCode.BadMessage, `text is over ${limit} characters`);
    }
    if (!this.connection.isOpen && !this.connection.opening) this.connection.requireOpen();
    const id = ++this.lastTextId;
    if (!this.connection.isOpen) {
      this.queuedTexts.push({ id, text: trimmed });
      this.emitter.emit({ type: 'text.queued', id, text: trimmed });
      return { id, queued: true };
    }
    this.sendTyped(trimmed);
    return { id, queued: false };
  }

  /** The typed messages still waiting to be sent, oldest first. */
  get queued(): readonly { id: number; text: string }[] {
    return this.queuedTexts;
  }

  private sendTyped(text: string): void {
    // The server stops the current answer for new input; stop it here first and report what was
    // heard before the new turn starts there.
    this.player.flush(true);
    this.latency.inputEnded();
    this.connection.send({ type: 'text', text });
  }

  /** Sends what was typed while the connection was gone, in order, once a session is open again. */
  private sendQueued(): void {
    for (const { id, text } of this.queuedTexts.splice(0)) {
      this.sendTyped(text);
      this.emitter.emit({ type: 'text.sent', id, text });
    }
  }

  /**
   * The conversation so far as the server keeps it: the agent's turns hold only what was heard
   * (cut by the `playback` reports). Rejects when the connection closes first.
   */
  requestTranscript(): Promise<TranscriptEntry[]> {
    return this.connection.requestTranscript();
  }

  /**
   * Rates one of the agent's answers (its `turnId`), e.g. from thumbs up/down buttons; a new rating
   * replaces the last. The server confirms with a `feedback` event, or answers `error`
   * (`unknown_turn`, or `storage_unavailable` on a server that keeps nothing).
   */
  rateAnswer(turnId: number, rating: FeedbackRating): void {
    if (!Number.isInteger(turnId) || turnId < 0) {
      throw new VisemoError(ErrorCode.BadMessage, `turnId must be a whole number ≥ 0, got ${turnId}`);
    }
    if (rating !== 'up' && rating !== 'down') {
      throw new VisemoError(ErrorCode.BadMessage, `rating must be "up" or "down", got "${String(rating)}"`);
    }
    this.connection.requireOpen();
    this.connection.send({ type: 'client.feedback', turnId, rating });
  }

  /** Stops the agent's answer now: flushes playback, reports what was heard, asks the server to stop. */
  interrupt(): void {
    this.player.flush(true);
    if (this.connection.isOpen) this.connection.send({ type: 'interrupt' });
  }

  // ---- the visitor's data -------------------------------------------------------------------------

  /**
   * Records what the visitor allows to be kept past the conversation (transcripts, voice
   * recordings, remembered facts); withdrawing a category erases what was kept of it. Rejects with
   * `storage_unavailable` on a server that keeps nothing.
   */
  setConsent(choice: ConsentChoice): Promise<ConsentState> {
    return this.connection.setConsent(choice);
  }

  /** Everything the server stores about this visitor (GDPR Art. 15/20), decrypted, as a document. */
  exportMyData(): Promise<SubjectExport> {
    return this.subjectData.export();
  }

  /** Erases everything stored about this visitor (GDPR Art. 17); the live session keeps nothing more. */
  eraseMyData(): Promise<ErasureResult> {
    return this.subjectData.erase();
  }

  /** The facts the agent remembers about this visitor. */
  listMemory(): Promise<MemoryFact[]> {
    return this.subjectData.memory();
  }

  /** Forgets one remembered fact. */
  forgetMemory(key: string): Promise<void> {
    return this.subjectData.forget(key);
  }

  /** Ends the session: the server answers `session.ended` and closes. No reconnection follows. */
  async end(): Promise<void> {
    this.microphone.stop();
    this.player.flush(false);
    await this.connection.end();
  }

  /** Ends the session and releases the AudioContext the client made. */
  async dispose(): Promise<void> {
    await this.end();
    this.player.dispose();
    if (this.context && this.ownsContext) await this.context.close().catch(() => undefined);
    this.context = null;
    this.emitter.clear();
  }

  // ---- microphone -------------------------------------------------------------------------------

  /**
   * Opens the microphone (the browser may ask the person). Hands-free: every frame goes to the
   * server, whose VAD finds the turns. Push-to-talk: frames go only between `startTalking()` and
   * `stopTalking()`.
   */
  startMicrophone(mode: MicrophoneMode = this.microphone.mode): Promise<void> {
    return this.microphone.start(mode);
  }

  setMicrophoneMode(mode: MicrophoneMode): void {
    this.microphone.setMode(mode);
  }

  stopMicrophone(): void {
    this.microphone.stop();
  }

  /** Push-to-talk pressed: stops the agent if it is answering, then streams the microphone. */
  startTalking(): void {
    this.microphone.startTalking();
  }

  /** Push-to-talk released: tells the server the utterance has ended. */
  stopTalking(): void {
    this.microphone.stopTalking();
  }

  // ---- wiring -----------------------------------------------------------------------------------

  private ensureContext(): AudioContext {
    if (!this.context) this.context = new AudioContext({ latencyHint: 'interactive' });
    return this.context;
  }

  private onServerEvent(event: ServerEvent): void {
    this.player.handle(event);
    switch (event.type) {
      case 'vad':
        if (event.state === 'speech-end') this.latency.inputEnded();
        break;
      case 'transcript.partial':
      case 'transcript.final':
        this.emitter.emit({
          type: 'caption',
          speaker: 'user',
          turnId: event.turnId,
          text: event.text,
          final: event.type === 'transcript.final',
          ...(event.speaker ? { by: event.speaker } : {}),
        });
        break;
      case 'session.started':
        this.present = event.participants ? [...event.participants] : [];
        break;
      case 'participant.joined':
        this.present = [...this.present.filter((p) => p.id !== event.participant.id), event.participant];
        break;
      case 'participant.left':
        this.present = this.present.filter((p) => p.id !== event.participant.id);
        break;
      case 'turn.end': {
        const latency: SdkEvent = { type: 'latency', turnId: event.turnId, server: event.latency };
        const measured = this.latency.take(event.turnId);
        if (measured !== undefined) latency.inputToAudioMs = measured;
        this.emitter.emit(latency);
        break;
      }
      default:
        break;
    }
    this.emitter.emit(event);
    if (event.type === 'session.started') this.sendQueued();
  }
}
