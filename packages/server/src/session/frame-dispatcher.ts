import { ErrorCode, VisemoError } from '@visemo/core';
import {
  type ClientMessage,
  parseClientMessage,
  type SessionJoinMessage,
  type SessionStartMessage,
} from '../protocol/client-messages.js';
import { MAX_BINARY_FRAME_BYTES, MAX_TEXT_FRAME_BYTES } from '../protocol/limits.js';

/**
 * `new` until session.start; `starting` while the session waits for a part it needs (a VAD that
 * takes a moment to make); `open`; `closed` for good.
 */
export type SessionState = 'new' | 'starting' | 'open' | 'closed';

export interface FrameHandlers {
  /** session.start in a new session; it refuses one in any other state. */
  start(message: SessionStartMessage): void;
  /** session.join in a new connection: it joins a running session instead of starting one. */
  join(message: SessionJoinMessage): void;
  /** Every other message, in an open session. */
  message(message: Exclude<ClientMessage, { type: 'session.start' | 'session.join' }>): void;
  /** Microphone audio in an open session: whole PCM16 samples, within the frame limit. */
  audio(bytes: Uint8Array): void;
  /** What was wrong with a frame, or what its handler threw. */
  error(error: unknown): void;
}

/**
 * Takes a session's raw frames from its transport: checks them against the protocol's limits and
 * the session's state, parses messages and hands each to its handler. Frames that arrive while the
 * session is starting wait, and are handled in order once it is open. Never throws.
 */
export class FrameDispatcher {
  private current: SessionState = 'new';
  private readonly backlog: (string | Uint8Array)[] = [];

  constructor(private readonly handlers: FrameHandlers) {}

  get state(): SessionState {
    return this.current;
  }

  /** A text frame, as a string or as the bytes the socket read (checked for size before decoding). */
  handleText(frame: string | Uint8Array): void {
    let text: string;
    try {
      text = typeof frame === 'string' ? checkedText(frame) : decodeText(frame);
    } catch (error) {
      this.handlers.error(error);
      return;
    }
    if (this.current === 'starting') {
      this.backlog.push(text);
      return;
    }
    try {
      const message = parseClientMessage(text);
      if (message.type === 'session.start') {
        this.refuseRestart();
        this.handlers.start(message);
        return;
      }
      if (message.type === 'session.join') {
        this.refuseRestart();
        this.handlers.join(message);
        return;
      }
      this.requireOpen();
      this.handlers.message(message);
    } catch (error) {
      this.handlers.error(error);
    }
  }

  handleBinary(bytes: Uint8Array): void {
    if (this.current === 'starting') {
      this.backlog.push(new Uint8Array(bytes));
      return;
    }
    try {
      this.requireOpen();
      if (bytes.byteLength > MAX_BINARY_FRAME_BYTES) {
        throw new VisemoError(ErrorCode.MessageTooLarge, `binary frame over ${MAX_BINARY_FRAME_BYTES} bytes`);
      }
      if (bytes.byteLength % 2 !== 0) {
        throw new VisemoError(ErrorCode.BadAudio, 'binary frame has an odd byte length: audio must be PCM16');
      }
      this.handlers.audio(bytes);
    } catch (error) {
      this.handlers.error(error);
    }
  }

  /** The session waits for a part it needs; frames wait with it. */
  starting(): void {
    this.current = 'starting';
  }

  /** The session could not start; a new session.start may try again. */
  startFailed(): void {
    this.current = 'new';
  }

  open(): void {
    this.current = 'open';
  }

  /** Handles the frames that arrived while the session was starting. */
  replayBacklog(): void {
    for (const frame of this.backlog.splice(0)) {
      if (typeof frame === 'string') this.handleText(frame);
      else this.handleBinary(frame);
    }
  }

  /** Answers false if the session was closed already. */
  close(): boolean {
    if (this.current === 'closed') return false;
    this.current = 'closed';
    return true;
  }

  private refuseRestart(): void {
    if (this.current === 'open' || this.current === 'starting') {
      throw new VisemoError(ErrorCode.BadMessage, 'the session has already started');
    }
    if (this.current === 'closed') throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
  }

  private requireOpen(): void {
    if (this.current === 'new' || this.current === 'starting') {
      throw new VisemoError(ErrorCode.NoSession, 'send session.start first');
    }
    if (this.current === 'closed') throw new VisemoError(ErrorCode.SessionClosed, 'the session has ended');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(): VisemoError {
  return new VisemoError(ErrorCode.MessageTooLarge, `text frame over ${MAX_TEXT_FRAME_BYTES} bytes`);
}

function checkedText(frame: string): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8: a short string needs no count of its bytes.
  if (frame.length * 3 > MAX_TEXT_FRAME_BYTES && Buffer.byteLength(frame) > MAX_TEXT_FRAME_BYTES)
    throw tooLarge();
  return frame;
}

/** The socket does not check text frames' UTF-8 (see http/server.ts): a bad one is a bad message here. */
function decodeText(bytes: Uint8Array): string {
  if (bytes.byteLength > MAX_TEXT_FRAME_BYTES) throw tooLarge();
  try {
    return utf8.decode(bytes);
  } catch {
    throw new VisemoError(ErrorCode.BadMessage, 'text frame is not valid UTF-8');
  }
}
