import { ErrorCode, VisemoError } from '@visemo/core/errors';
import type { ConsentChoice, ConsentState } from '../data/subject-data.js';
import type { ConnectionEvent, ConnectionStatus, TranscriptEntry } from '../events.js';
import {
  type AudioChunkEvent,
  type ClientMessage,
  PROTOCOL_VERSION,
  parseServerEvent,
  type ServerEvent,
  type SessionStartedEvent,
} from '../protocol.js';
import { type ReconnectOptions, reconnectDelayMs } from './backoff.js';
import { browserNetwork, type NetworkSignal } from './network-signal.js';

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
/** Opens a socket; `protocols` are the WebSocket subprotocols to offer (the token travels in one). */
export type WebSocketFactory = (url: string, protocols?: string[]) => WebSocketLike;

/**
 * A session token (docs/security.md): the token itself, or a function that fetches a fresh one —
 * called before every connect, so a reconnect after the token expired gets a new one.
 */
export type TokenSource = string | (() => string | Promise<string>);

/** The subprotocol every Visemo server selects; the token rides beside it (docs/protocol.md, Authentication). */
const PROTOCOL_NAME = 'visemo.v1';
const TOKEN_PREFIX = 'visemo.token.';

const OPEN = 1;
/** Heartbeats missed before a silent socket counts as dead (one late beat is not a lost network). */
const MISSED_HEARTBEATS = 2.5;

export interface ServerConnectionOptions {
  /** The server's WebSocket endpoint, e.g. `wss://example.com/v1/ws`. */
  url: string;
  /** Opens the socket; defaults to the global `WebSocket`. */
  createSocket?: WebSocketFactory | undefined;
  /** The session token to offer; absent for an open server. */
  token?: TokenSource | undefined;
  /** Reconnection with backoff, or null for none. */
  reconnect: ReconnectOptions | null;
  /**
   * Whether the device has a network; default the browser's (none in Node). Offline, the socket is
   * given up at once and no retries are spent: the connection waits, `offline`, for the network.
   */
  network?: NetworkSignal | null | undefined;
  /** What `session.start` asks for. `greet` holds for the first session: one opened by a reconnect never greets. */
  session: {
    sampleRate: number;
    audio: boolean;
    voice?: string | undefined;
    greet: boolean;
    /** The person's display name, for speaker labels. */
    name?: string | undefined;
    /** Join this running session with its invite code (docs/multi-party.md) instead of starting one. */
    join?: { sessionId: string; invite: string } | undefined;
  };
  /** Every server event, after the connection's own bookkeeping (the session, answers to requests). */
  onEvent(event: ServerEvent): void;
  /** A chunk's audio: the binary frame that came after its `audio.chunk`. */
  onAudio(chunk: AudioChunkEvent, bytes: ArrayBuffer): void;
  /** The socket closed or could not be opened; called before reconnecting or giving up. */
  onLost(): void;
  emit(event: ConnectionEvent): void;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * The WebSocket session of protocol version 1: opens the socket and starts a session on it, turns
 * frames into events (an `audio.chunk` and the binary frame after it into one chunk of audio), and
 * reconnects with backoff when the socket goes — with a new session, since the server keeps none
 * across sockets.
 */
export class ServerConnection {
  private socket: WebSocketLike | null = null;
  private statusValue: ConnectionStatus = 'idle';
  private started: SessionStartedEvent | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** No reconnection: `end()` was called or the server ended the session. */
  private ending = false;
  private firstSession = true;
  /** The last session started on this connection: a reconnect asks to resume it. */
  private sessionId: string | null = null;
  private consentWaiters: Waiter<ConsentState>[] = [];
  private pendingChunk: AudioChunkEvent | null = null;
  private connectWaiters: Waiter<SessionStartedEvent>[] = [];
  private transcriptWaiters: Waiter<TranscriptEntry[]>[] = [];
  private readonly network: NetworkSignal | null;
  private unwatchNetwork: (() => void) | null = null;
  /** When the socket last brought a frame (Date.now()), and the timer that checks it. */
  private lastFrameAt = 0;
  private heartbeatCheck: ReturnType<typeof setInterval> | null = null;
  /** The server refused the join for good (`bad_invite`, `session_full`): no retry, and why. */
  private refusal: VisemoError | null = null;

  constructor(private readonly options: ServerConnectionOptions) {
    this.network = options.network === undefined ? browserNetwork() : options.network;
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** The current session, once the server has started it. */
  get session(): SessionStartedEvent | null {
    return this.started;
  }

  /** Whether a socket is being opened or waited for (or the network): `connect()` then opens none of its own. */
  get opening(): boolean {
    return (
      this.statusValue === 'connecting' ||
      this.statusValue === 'reconnecting' ||
      this.statusValue === 'offline'
    );
  }

  /** Whether messages can go: the socket is open and the session started on it. */
  get isOpen(): boolean {
    return this.started !== null && this.socket?.readyState === OPEN;
  }

  /** Opens the socket and starts a session (or waits for the one being opened); resolves with `session.started`. */
  connect(): Promise<SessionStartedEvent> {
    if (this.started && this.statusValue === 'open') return Promise.resolve(this.started);
    this.ending = false;
    const waiter = new Promise<SessionStartedEvent>((resolve, reject) => {
      this.connectWaiters.push({ resolve, reject });
    });
    this.unwatchNetwork ??= this.network?.watch((online) => this.onNetwork(online)) ?? null;
    if (this.opening) return waiter;
    if (this.network && !this.network.online) this.setStatus('offline');
    else this.openSocket();
    return waiter;
  }

  /** Throws `session_closed` unless messages can go. */
  requireOpen(): void {
    if (!this.isOpen) throw new VisemoError(ErrorCode.SessionClosed, 'not connected to the server');
  }

  send(message: ClientMessage): void {
    this.socket?.send(JSON.stringify(message));
  }

  /** Microphone audio: PCM16 at the `sampleRate` of `session.start`. */
  sendAudio(pcm: Int16Array): void {
    this.socket?.send(pcm);
  }

  /** Asks for the server's transcript; rejects when the connection closes first. */
  /** Records the visitor's consent; resolves with the server's confirmation (`consent`). */
  setConsent(choice: ConsentChoice): Promise<ConsentState> {
    this.requireOpen();
    return new Promise<ConsentState>((resolve, reject) => {
      this.consentWaiters.push({ resolve, reject });
      this.send({ type: 'consent.set', ...choice });
    });
  }

  requestTranscript(): Promise<TranscriptEntry[]> {
    this.requireOpen();
    const answer = new Promise<TranscriptEntry[]>((resolve, reject) => {
      this.transcriptWaiters.push({ resolve, reject });
    });
    this.send({ type: 'transcript.get' });
    return answer;
  }

  /** Ends the session: `session.end`, then waits (2 s at most) for the server to close. No reconnection follows. */
  async end(): Promise<void> {
    this.ending = true;
    this.clearRetry();
    this.stopHeartbeatCheck();
    this.unwatchNetwork?.();
    this.unwatchNetwork = null;
    const socket = this.socket;
    if (socket && this.isOpen) {
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

  private openSocket(): void {
    this.setStatus(this.firstSession ? 'connecting' : 'reconnecting');
    const token = this.options.token;
    if (typeof token === 'function') {
      // The attempt counts from here: a token that cannot be had is retried like a socket that failed.
      Promise.resolve()
        .then(token)
        .then(
          (value) => {
            if (!this.ending) this.createSocket(value);
          },
          (error: unknown) => this.onSocketGone(error),
        );
      return;
    }
    this.createSocket(token);
  }

  private createSocket(token: string | undefined): void {
    const create =
      this.options.createSocket ??
      ((url: string, protocols?: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike);
    let socket: WebSocketLike;
    try {
      socket = token
        ? create(this.options.url, [PROTOCOL_NAME, TOKEN_PREFIX + token])
        : create(this.options.url);
    } catch (error) {
      this.onSocketGone(error);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      const { sampleRate, audio, voice, greet, name, join } = this.options.session;
      if (join) {
        // A joiner joins again after a lost socket: the session runs on with its host.
        this.send({
          type: 'session.join',
          protocol: PROTOCOL_VERSION,
          sessionId: join.sessionId,
          invite: join.invite,
          sampleRate,
          audio,
          ...(name ? { name } : {}),
        });
        return;
      }
      const start: ClientMessage = {
        type: 'session.start',
        protocol: PROTOCOL_VERSION,
        sampleRate,
        audio,
        greet: this.firstSession && greet,
      };
      // A reconnect continues the conversation where the server still has it (a restart with storage).
      if (!this.firstSession && this.sessionId) start.resume = this.sessionId;
      if (voice) start.voice = voice;
      if (name) start.name = name;
      this.send(start);
    };
    socket.onmessage = (event) => {
      this.lastFrameAt = Date.now();
      this.onFrame(event.data);
    };
    socket.onerror = () => {
      // The close event follows and carries the decision.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onSocketGone(null);
    };
  }

  /** The browser lost or found its network. */
  private onNetwork(online: boolean): void {
    if (this.ending || this.statusValue === 'idle' || this.statusValue === 'closed') return;
    if (online) {
      if (this.statusValue !== 'offline') return;
      this.attempt = 0;
      this.openSocket();
      return;
    }
    // The socket may stay "open" for minutes with nothing getting through: give it up now.
    this.clearRetry();
    this.dropSocket();
    this.abandonSession();
    this.setStatus('offline');
  }

  /** Closes the socket from this side without waiting for its close event, which may never come. */
  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      // Closing a socket that never opened.
    }
  }

  /**
   * The server sends a `heartbeat` every `heartbeatMs` (docs/protocol.md): a socket silent for
   * longer than a few of them is dead even if neither side has noticed, and is replaced.
   */
  private checkHeartbeats(heartbeatMs: number | undefined): void {
    this.stopHeartbeatCheck();
    if (!heartbeatMs) return;
    this.lastFrameAt = Date.now();
    this.heartbeatCheck = setInterval(() => {
      if (Date.now() - this.lastFrameAt <= heartbeatMs * MISSED_HEARTBEATS) return;
      this.dropSocket();
      this.onSocketGone(new VisemoError(ErrorCode.SessionClosed, 'the server went silent'));
    }, heartbeatMs / 2);
  }

  private stopHeartbeatCheck(): void {
    if (this.heartbeatCheck) clearInterval(this.heartbeatCheck);
    this.heartbeatCheck = null;
  }

  /** The session's socket is gone: requests waiting for an answer fail, playback and capture stop. */
  private abandonSession(): void {
    this.started = null;
    this.stopHeartbeatCheck();
    const lost = new VisemoError(ErrorCode.SessionClosed, 'the session ended before the server answered');
    for (const waiter of this.transcriptWaiters.splice(0)) waiter.reject(lost);
    for (const waiter of this.consentWaiters.splice(0)) waiter.reject(lost);
    this.pendingChunk = null;
    this.options.onLost();
  }

  private onSocketGone(error: unknown): void {
    this.abandonSession();
    // Without a network, retrying spends attempts for nothing: wait for it instead.
    if (!this.ending && this.network && !this.network.online) {
      this.setStatus('offline');
      return;
    }
    const reconnect = this.options.reconnect;
    if (this.ending || !reconnect || this.attempt >= reconnect.maxAttempts) {
      this.setStatus('closed');
      const reason =
        error ??
        this.refusal ??
        new VisemoError(ErrorCode.SessionClosed, 'the connection to the server closed');
      for (const waiter of this.connectWaiters.splice(0)) waiter.reject(reason);
      return;
    }
    const delayMs = Math.round(reconnectDelayMs(this.attempt, reconnect));
    this.attempt++;
    this.options.emit({ type: 'status', status: 'reconnecting', attempt: this.attempt, delayMs });
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
        this.options.emit({ type: 'client.error', code: ErrorCode.BadMessage, message });
        return;
      }
      if (event) this.onServerEvent(event);
      return;
    }
    if (data instanceof ArrayBuffer) this.onBinary(data);
  }

  private onServerEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'session.started':
        this.started = event;
        this.sessionId = event.sessionId;
        this.attempt = 0;
        this.firstSession = false;
        this.setStatus('open');
        this.checkHeartbeats(event.heartbeatMs);
        for (const waiter of this.connectWaiters.splice(0)) waiter.resolve(event);
        break;
      case 'audio.chunk':
        this.pendingChunk = event;
        break;
      case 'transcript':
        this.transcriptWaiters.shift()?.resolve(event.entries);
        break;
      case 'consent': {
        const { type: _type, ...state } = event;
        this.consentWaiters.shift()?.resolve(state);
        break;
      }
      case 'error':
        if (event.fatal && (event.code === ErrorCode.BadInvite || event.code === ErrorCode.SessionFull)) {
          this.refusal = new VisemoError(event.code, event.message);
          this.ending = true;
        }
        if (event.code === ErrorCode.StorageUnavailable) {
          this.consentWaiters.shift()?.reject(new VisemoError(event.code, event.message));
        }
        break;
      case 'session.ended':
        this.ending = true;
        break;
      default:
        break;
    }
    this.options.onEvent(event);
  }

  private onBinary(bytes: ArrayBuffer): void {
    const chunk = this.pendingChunk;
    this.pendingChunk = null;
    if (!chunk) {
      this.options.emit({
        type: 'client.error',
        code: ErrorCode.BadAudio,
        message: 'audio frame without audio.chunk',
      });
      return;
    }
    this.options.onAudio(chunk, bytes);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.options.emit({ type: 'status', status });
  }
}
