import { ErrorCode, type Expression, type VisemeCue, VisemoError } from '@visemo/core';
import { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelayMs } from './backoff.js';
import { CAPTURE_RATE, MicrophoneCapture } from './capture/microphone.js';
import { TypedEmitter } from './emitter.js';
import { heardTime } from './playback/audio-clock.js';
import { type ReplyCue, ReplySequencer } from './playback/reply-sequencer.js';
import { DEFAULT_PLAYBACK_TIMING, PlaybackTimeline, pcm16ToFloat32 } from './playback/timeline.js';
import {
  type AudioChunkEvent,
  type ClientMessage,
  PROTOCOL_VERSION,
  parseServerEvent,
  type ServerEvent,
  type SessionStartedEvent,
  type TurnLatency,
} from './protocol.js';

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
export type MicrophoneMode = 'push-to-talk' | 'hands-free';

/** Events the SDK adds to the protocol's own: timed to playback, or about the connection and microphone. */
export type SdkEvent =
  | { type: 'status'; status: ConnectionStatus; attempt?: number; delayMs?: number }
  /** A line for the captions: the user's words as recognized, the agent's sentence as it is heard. */
  | { type: 'caption'; speaker: 'user' | 'agent'; turnId: number; text: string; final: boolean }
  /** The expression to show now: with audio, when the sentence it belongs to starts playing. */
  | { type: 'expression.show'; turnId: number; expression: Expression; intensity: number }
  /** A chunk's mouth shapes, scheduled ahead: `startTimeSec` is the AudioContext time of its first sample. */
  | { type: 'visemes'; turnId: number; seq: number; cues: VisemeCue[]; startTimeSec: number }
  /** A chunk's audio, as scheduled: for waveform displays and timing probes. */
  | { type: 'audio.scheduled'; turnId: number; seq: number; startTimeSec: number; buffer: AudioBuffer }
  /** The first sample of a turn's audio is being heard; `atPerfMs` is that moment on `performance.now()`. */
  | { type: 'playback.start'; turnId: number; atPerfMs: number }
  | { type: 'playback.end'; turnId: number; playedMs: number; interrupted: boolean }
  | { type: 'microphone'; active: boolean; mode: MicrophoneMode; talking: boolean }
  /** Root mean square of the last 20 ms of microphone audio, 0..1 of full scale. */
  | { type: 'microphone.level'; rms: number }
  /**
   * A turn's latency: the server's hops, plus `inputToAudioMs`, measured here from the end of the
   * user's input (text sent, push-to-talk released or VAD speech-end received) to the first sample
   * heard — or, for the greeting, from `connect()`.
   */
  | { type: 'latency'; turnId: number; server: TurnLatency; inputToAudioMs?: number }
  /** A problem on this side (microphone refused, malformed frame); the session goes on. */
  | { type: 'client.error'; code: ErrorCode; message: string };

export type ClientEvent = ServerEvent | SdkEvent;
/** One turn of the conversation as the server keeps it (the answer to `transcript.get`). */
export type TranscriptEntry = Extract<ServerEvent, { type: 'transcript' }>['entries'][number];
export type ClientEventType = ClientEvent['type'];

/** The part of the WebSocket API the SDK uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export interface VisemoClientOptions {
  /** The server's WebSocket endpoint, e.g. `wss://example.com/v1/ws`. */
  url: string;
  /** `false`: text-only mode — captions, no audio either way, no AudioContext. Default true. */
  audio?: boolean;
  voice?: string;
  /** Whether the agent opens with its greeting. Sessions opened by a reconnect never greet. */
  greet?: boolean;
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
}

const OPEN = 1;

interface PlayingTurn {
  sources: AudioBufferSourceNode[];
  /** The server's `turn.end` arrived: no more audio will come for this turn. */
  complete: boolean;
  started: boolean;
}

interface TimedEvent {
  atSec: number;
  event: SdkEvent;
}

/**
 * A conversation with a Visemo agent over protocol version 1: the WebSocket session, microphone
 * capture, audio playback with lip-sync timing, barge-in and reconnection. No UI.
 */
export class VisemoClient {
  private readonly options: VisemoClientOptions;
  private readonly emitter = new TypedEmitter<ClientEvent>();
  private readonly reconnect: ReconnectOptions | null;
  private socket: WebSocketLike | null = null;
  private statusValue: ConnectionStatus = 'idle';
  private started: SessionStartedEvent | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private ending = false;
  private firstSession = true;
  private connectWaiters: { resolve: (e: SessionStartedEvent) => void; reject: (e: unknown) => void }[] = [];
  private transcriptWaiters: {
    resolve: (entries: TranscriptEntry[]) => void;
    reject: (e: unknown) => void;
  }[] = [];

  // Playback.
  private context: AudioContext | null;
  private readonly ownsContext: boolean;
  private readonly timeline: PlaybackTimeline;
  private readonly sequencer = new ReplySequencer();
  private readonly playing = new Map<number, PlayingTurn>();
  /** Turns whose playback was flushed or reported: late chunks of theirs are dropped. */
  private readonly finishedTurns = new Set<number>();
  private pendingChunk: AudioChunkEvent | null = null;
  private timed: TimedEvent[] = [];
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** The turn the server is working on (seen, no `turn.end` yet), or null. */
  private openTurn: number | null = null;
  private lastEndedTurn = -1;
  private inputEndedAt: number | null = null;
  private readonly inputToAudio = new Map<number, number>();

  // Microphone.
  private microphone: MicrophoneCapture | null = null;
  private microphoneOpening: Promise<void> | null = null;
  private micMode: MicrophoneMode = 'hands-free';
  private talking = false;

  constructor(options: VisemoClientOptions) {
    this.options = options;
    this.reconnect = options.reconnect === false ? null : { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.context = options.audioContext ?? null;
    this.ownsContext = !options.audioContext;
    this.timeline = new PlaybackTimeline({
      ...DEFAULT_PLAYBACK_TIMING,
      leadSec: (options.playbackLeadMs ?? DEFAULT_PLAYBACK_TIMING.leadSec * 1000) / 1000,
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
    return this.statusValue;
  }

  /** The current session, once the server has started it. */
  get session(): SessionStartedEvent | null {
    return this.started;
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
    return this.context !== null && this.timeline.isPlaying(this.currentTime);
  }

  get microphoneActive(): boolean {
    return this.microphone !== null;
  }

  get microphoneMode(): MicrophoneMode {
    return this.micMode;
  }

  get isTalking(): boolean {
    return this.talking;
  }

  // ---- session ----------------------------------------------------------------------------------

  /**
   * Opens the socket and starts a session; resolves with `session.started`. Call it from a user
   * gesture (a click) where possible: browsers let an AudioContext play only after one.
   */
  connect(): Promise<SessionStartedEvent> {
    if (this.started && this.statusValue === 'open') return Promise.resolve(this.started);
    this.ending = false;
    if (this.audioEnabled && !this.context) this.context = new AudioContext({ latencyHint: 'interactive' });
    void this.resumeAudio();
    const waiter = new Promise<SessionStartedEvent>((resolve, reject) => {
      this.connectWaiters.push({ resolve, reject });
    });
    if (this.statusValue !== 'connecting' && this.statusValue !== 'reconnecting') {
      this.inputEndedAt = performance.now();
      this.openSocket();
    }
    return waiter;
  }

  /** Lets audio play after the browser's autoplay policy held it; call from a user gesture. */
  async resumeAudio(): Promise<void> {
    if (this.context && this.context.state === 'suspended') {
      await this.context.resume().catch(() => undefined);
    }
  }

  /** Sends typed input: a turn without audio. Stops the agent if it is speaking. */
  sendText(text: string): void {
    const trimmed = text.trim();
    if (!trimmed) throw new VisemoError(ErrorCode.BadMessage, 'text is empty');
    const limit = this.started?.limits.maxTextChars;
    if (limit !== undefined && trimmed.length > limit) {
      throw new VisemoError(ErrorCode.BadMessage, `text is over ${limit} characters`);
    }
    this.requireOpen();
    // The server stops the current answer for new input; stop it here first and report what was
    // heard before the new turn starts there.
    this.flushPlayback(true);
    this.inputEndedAt = performance.now();
    this.send({ type: 'text', text: trimmed });
  }

  /**
   * The conversation so far as the server keeps it: the agent's turns hold only what was heard
   * (cut by the `playback` reports). Rejects when the connection closes first.
   */
  requestTranscript(): Promise<TranscriptEntry[]> {
    this.requireOpen();
    const answer = new Promise<TranscriptEntry[]>((resolve, reject) => {
      this.transcriptWaiters.push({ resolve, reject });
    });
    this.send({ type: 'transcript.get' });
    return answer;
  }

  /** Stops the agent's answer now: flushes playback, reports what was heard, asks the server to stop. */
  interrupt(): void {
    this.flushPlayback(true);
    if (this.socket?.readyState === OPEN && this.started) this.send({ type: 'interrupt' });
  }

  /** Ends the session: the server answers `session.ended` and closes. No reconnection follows. */
  async end(): Promise<void> {
    this.ending = true;
    this.clearRetry();
    this.stopMicrophone();
    this.flushPlayback(false);
    const socket = this.socket;
    if (socket && socket.readyState === OPEN && this.started) {
      const closed = new Promise<void>((resolve) => {
        const previous = socket.onclose;
        socket.onclose = (event) => {
          previous?.(event);
          resolve();
        };
        setTimeout(resolve, 2000);
      });
      this.send({ type: 'session.end' });
      await closed;
      socket.close(1000);
    } else {
      socket?.close(1000);
    }
    this.setStatus('closed');
  }

  /** Ends the session and releases the AudioContext the client made. */
  async dispose(): Promise<void> {
    await this.end();
    this.stopTicker();
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
  async startMicrophone(mode: MicrophoneMode = this.micMode): Promise<void> {
    this.micMode = mode;
    if (!this.audioEnabled) {
      throw new VisemoError(ErrorCode.BadAudio, 'the microphone is not available in text-only mode');
    }
    if (!this.microphoneOpening) {
      if (!this.context) this.context = new AudioContext({ latencyHint: 'interactive' });
      const context = this.context;
      this.microphoneOpening = (async () => {
        try {
          await this.resumeAudio();
          this.microphone = await MicrophoneCapture.open({
            context,
            onFrame: (pcm, rms) => this.onMicrophoneFrame(pcm, rms),
          });
        } catch (error) {
          this.microphoneOpening = null;
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          this.emit({ type: 'client.error', code: ErrorCode.BadAudio, message: `microphone: ${message}` });
          throw new VisemoError(ErrorCode.BadAudio, `the microphone could not be opened (${message})`, {
            cause: error,
          });
        }
      })();
    }
    await this.microphoneOpening;
    this.emitMicrophone();
  }

  setMicrophoneMode(mode: MicrophoneMode): void {
    if (this.micMode === mode) return;
    if (this.talking) this.stopTalking();
    this.micMode = mode;
    this.emitMicrophone();
  }

  stopMicrophone(): void {
    if (this.talking) this.stopTalking();
    this.microphone?.close();
    this.microphone = null;
    this.microphoneOpening = null;
    this.emit({ type: 'microphone.level', rms: 0 });
    this.emitMicrophone();
  }

  /** Push-to-talk pressed: stops the agent if it is answering, then streams the microphone. */
  startTalking(): void {
    if (this.talking) return;
    if (this.speaking || this.openTurn !== null) this.interrupt();
    this.talking = true;
    this.emitMicrophone();
  }

  /** Push-to-talk released: tells the server the utterance has ended. */
  stopTalking(): void {
    if (!this.talking) return;
    this.talking = false;
    this.emitMicrophone();
    if (this.socket?.readyState === OPEN && this.started) {
      this.inputEndedAt = performance.now();
      this.send({ type: 'audio.commit' });
    }
  }

  private onMicrophoneFrame(pcm: Int16Array, rms: number): void {
    this.emit({ type: 'microphone.level', rms });
    const sending = this.micMode === 'hands-free' || this.talking;
    if (!sending || !this.started || this.socket?.readyState !== OPEN) return;
    this.socket.send(pcm);
  }

  private emitMicrophone(): void {
    this.emit({
      type: 'microphone',
      active: this.microphone !== null,
      mode: this.micMode,
      talking: this.talking,
    });
  }

  // ---- socket -----------------------------------------------------------------------------------

  private openSocket(): void {
    this.setStatus(this.firstSession ? 'connecting' : 'reconnecting');
    const create =
      this.options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as WebSocketLike);
    let socket: WebSocketLike;
    try {
      socket = create(this.options.url);
    } catch (error) {
      this.onSocketGone(error);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      const start: ClientMessage = {
        type: 'session.start',
        protocol: PROTOCOL_VERSION,
        sampleRate: CAPTURE_RATE,
        audio: this.audioEnabled,
        greet: this.firstSession && this.options.greet !== false,
      };
      if (this.options.voice) start.voice = this.options.voice;
      this.send(start);
    };
    socket.onmessage = (event) => this.onFrame(event.data);
    socket.onerror = () => {
      // The close event follows and carries the decision.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onSocketGone(null);
    };
  }

  private onSocketGone(error: unknown): void {
    this.started = null;
    const lost = new VisemoError(ErrorCode.SessionClosed, 'the session ended before the server answered');
    for (const waiter of this.transcriptWaiters.splice(0)) waiter.reject(lost);
    this.pendingChunk = null;
    this.flushPlayback(false);
    if (this.talking) this.talking = false;
    if (this.ending || !this.reconnect || this.attempt >= this.reconnect.maxAttempts) {
      this.setStatus('closed');
      const reason = error ?? new VisemoError(ErrorCode.SessionClosed, 'the connection to the server closed');
      for (const waiter of this.connectWaiters.splice(0)) waiter.reject(reason);
      return;
    }
    const delayMs = Math.round(reconnectDelayMs(this.attempt, this.reconnect));
    this.attempt++;
    this.emit({ type: 'status', status: 'reconnecting', attempt: this.attempt, delayMs });
    this.statusValue = 'reconnecting';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.ending) this.openSocket();
    }, delayMs);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private onFrame(data: unknown): void {
    if (typeof data === 'string') {
      let event: ServerEvent | null;
      try {
        event = parseServerEvent(data);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.emit({ type: 'client.error', code: ErrorCode.BadMessage, message });
        return;
      }
      if (event) this.onServerEvent(event);
      return;
    }
    if (data instanceof ArrayBuffer) this.onAudio(data);
  }

  private onServerEvent(event: ServerEvent): void {
    if ('turnId' in event && event.type !== 'turn.end' && event.turnId > this.lastEndedTurn) {
      this.openTurn = event.turnId;
    }
    switch (event.type) {
      case 'session.started':
        this.started = event;
        this.attempt = 0;
        this.firstSession = false;
        this.setStatus('open');
        for (const waiter of this.connectWaiters.splice(0)) waiter.resolve(event);
        break;
      case 'vad':
        if (event.state === 'speech-end') this.inputEndedAt = performance.now();
        break;
      case 'transcript.partial':
        this.emit({ type: 'caption', speaker: 'user', turnId: event.turnId, text: event.text, final: false });
        break;
      case 'transcript.final':
        this.emit({ type: 'caption', speaker: 'user', turnId: event.turnId, text: event.text, final: true });
        break;
      case 'response.text':
        this.onReplyCue({ kind: 'caption', turnId: event.turnId, text: event.text });
        break;
      case 'expression':
        this.onReplyCue({
          kind: 'expression',
          turnId: event.turnId,
          expression: event.expression,
          intensity: event.intensity,
        });
        break;
      case 'audio.chunk':
        this.pendingChunk = event;
        break;
      case 'interrupted':
        this.finishedTurns.add(event.turnId);
        this.sequencer.drop(event.turnId);
        this.flushPlayback(true);
        break;
      case 'turn.end':
        this.onTurnEnd(event.turnId, event.latency);
        break;
      case 'transcript':
        this.transcriptWaiters.shift()?.resolve(event.entries);
        break;
      case 'session.ended':
        this.ending = true;
        break;
      default:
        break;
    }
    this.emitter.emit(event);
  }

  private onReplyCue(cue: ReplyCue): void {
    if (this.finishedTurns.has(cue.turnId)) return;
    // Text-only: nothing to wait for.
    if (!this.context) this.releaseCue(cue);
    else this.sequencer.add(cue);
  }

  private releaseCue(cue: ReplyCue): void {
    if (cue.kind === 'caption') {
      this.emit({ type: 'caption', speaker: 'agent', turnId: cue.turnId, text: cue.text, final: true });
    } else {
      this.emit({
        type: 'expression.show',
        turnId: cue.turnId,
        expression: cue.expression,
        intensity: cue.intensity,
      });
    }
  }

  private onTurnEnd(turnId: number, latency: TurnLatency): void {
    if (this.openTurn === turnId) this.openTurn = null;
    this.lastEndedTurn = Math.max(this.lastEndedTurn, turnId);
    const rest = this.sequencer.takeRest(turnId);
    const end = this.timeline.endOf(turnId);
    const turn = this.playing.get(turnId);
    if (turn && end !== undefined && !this.finishedTurns.has(turnId)) {
      turn.complete = true;
      for (const cue of rest) this.at(end, this.cueEvent(cue));
      this.ensureTicker();
    } else {
      for (const cue of rest) this.releaseCue(cue);
    }
    const event: SdkEvent = { type: 'latency', turnId, server: latency };
    const measured = this.inputToAudio.get(turnId);
    if (measured !== undefined) event.inputToAudioMs = measured;
    this.inputToAudio.delete(turnId);
    this.emit(event);
  }

  private cueEvent(cue: ReplyCue): SdkEvent {
    return cue.kind === 'caption'
      ? { type: 'caption', speaker: 'agent', turnId: cue.turnId, text: cue.text, final: true }
      : { type: 'expression.show', turnId: cue.turnId, expression: cue.expression, intensity: cue.intensity };
  }

  // ---- playback ---------------------------------------------------------------------------------

  private onAudio(bytes: ArrayBuffer): void {
    const chunk = this.pendingChunk;
    this.pendingChunk = null;
    if (!chunk) {
      this.emit({
        type: 'client.error',
        code: ErrorCode.BadAudio,
        message: 'audio frame without audio.chunk',
      });
      return;
    }
    const context = this.context;
    if (!context || this.finishedTurns.has(chunk.turnId)) return;
    // Web Audio wants floats; the wire is PCM16 LE, which Int16Array reads natively on LE hosts.
    const pcm = new Int16Array(bytes, 0, Math.floor(bytes.byteLength / 2));
    const buffer = context.createBuffer(1, Math.max(pcm.length, 1), chunk.sampleRate);
    buffer.copyToChannel(pcm16ToFloat32(pcm), 0);
    const scheduled = this.timeline.schedule(
      chunk.turnId,
      chunk.seq,
      pcm.length / chunk.sampleRate,
      context.currentTime,
    );
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.options.output ?? context.destination);
    source.start(scheduled.startSec);

    let turn = this.playing.get(chunk.turnId);
    if (!turn) {
      turn = { sources: [], complete: false, started: false };
      this.playing.set(chunk.turnId, turn);
    }
    turn.sources.push(source);
    source.onended = () => {
      const t = this.playing.get(chunk.turnId);
      if (t) t.sources = t.sources.filter((s) => s !== source);
    };

    this.emit({
      type: 'visemes',
      turnId: chunk.turnId,
      seq: chunk.seq,
      cues: chunk.visemes,
      startTimeSec: scheduled.startSec,
    });
    this.emit({
      type: 'audio.scheduled',
      turnId: chunk.turnId,
      seq: chunk.seq,
      startTimeSec: scheduled.startSec,
      buffer,
    });
    const first = !turn.started;
    turn.started = true;
    if (first) {
      // Where on performance.now() the first sample will be heard, for latency figures; a context
      // held by the autoplay policy has a stopped clock, which says nothing about when.
      const atPerfMs = performance.now() + (scheduled.startSec - heardTime(context)) * 1000;
      if (this.inputEndedAt !== null && context.state === 'running') {
        this.inputToAudio.set(chunk.turnId, Math.round(atPerfMs - this.inputEndedAt));
      }
      this.inputEndedAt = null;
      // atPerfMs is set again when the event fires, from the clock as it then is.
      this.at(scheduled.startSec, { type: 'playback.start', turnId: chunk.turnId, atPerfMs });
    }
    for (const cue of this.sequencer.takeForChunk(chunk.turnId, chunk.text)) {
      this.at(scheduled.startSec, this.cueEvent(cue));
    }
    this.ensureTicker();
  }

  /**
   * Stops all audio at once. Each turn that was playing gets its `playback` report (what was heard,
   * from the clock) and a `playback.end` event. `dropOpenTurn` also drops the turn the server is still
   * producing, so its chunks already on the wire are not played.
   */
  private flushPlayback(dropOpenTurn: boolean): void {
    if (dropOpenTurn && this.openTurn !== null) {
      this.finishedTurns.add(this.openTurn);
      this.sequencer.drop(this.openTurn);
    }
    const context = this.context;
    if (!context || this.playing.size === 0) {
      this.timeline.clear();
      return;
    }
    const now = heardTime(context);
    for (const [turnId, turn] of this.playing) {
      for (const source of turn.sources) {
        source.onended = null;
        try {
          source.stop();
        } catch {
          // Already stopped.
        }
      }
      this.reportPlayback(turnId, this.timeline.playedMs(turnId, now), true);
      this.sequencer.drop(turnId);
    }
    this.playing.clear();
    this.timeline.clear();
    this.timed = [];
  }

  private reportPlayback(turnId: number, playedMs: number, interrupted: boolean): void {
    this.finishedTurns.add(turnId);
    if (this.socket?.readyState === OPEN && this.started) this.send({ type: 'playback', turnId, playedMs });
    this.emit({ type: 'playback.end', turnId, playedMs, interrupted });
  }

  private at(atSec: number, event: SdkEvent): void {
    this.timed.push({ atSec, event });
  }

  /**
   * Fires timed events (captions, expressions, playback start/end) when the heard clock reaches
   * them. A 10 ms interval rather than `setTimeout` per event: it follows the audio clock even when
   * the context is suspended or drifts from the wall clock.
   */
  private ensureTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), 10);
    this.tick();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private tick(): void {
    const context = this.context;
    if (!context) {
      this.stopTicker();
      return;
    }
    const now = heardTime(context);
    if (this.timed.length > 0) {
      const due = this.timed.filter((t) => t.atSec <= now);
      if (due.length > 0) {
        this.timed = this.timed.filter((t) => t.atSec > now);
        for (const t of due) {
          if (t.event.type === 'playback.start') {
            t.event.atPerfMs = performance.now() - (now - t.atSec) * 1000;
          }
          this.emit(t.event);
        }
      }
    }
    for (const [turnId, turn] of this.playing) {
      const end = this.timeline.endOf(turnId);
      if (turn.complete && end !== undefined && now >= end) {
        this.playing.delete(turnId);
        this.reportPlayback(turnId, this.timeline.durationMs(turnId), false);
        this.timeline.remove(turnId);
      }
    }
    if (this.timed.length === 0 && this.playing.size === 0) this.stopTicker();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private requireOpen(): void {
    if (!this.started || this.socket?.readyState !== OPEN) {
      throw new VisemoError(ErrorCode.SessionClosed, 'not connected to the server');
    }
  }

  private send(message: ClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.emit({ type: 'status', status });
  }

  private emit(event: SdkEvent): void {
    this.emitter.emit(event);
  }
}
