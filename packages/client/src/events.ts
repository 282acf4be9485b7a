import type { ErrorCode } from '@visemo/core/errors';
import type { VisemeCue, WordTiming } from '@visemo/core/visemes-types';
import type { ServerEvent, TurnLatency } from './protocol.js';

/** `offline`: the device has no network; the connection opens again when it comes back. */
export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';
export type MicrophoneMode = 'push-to-talk' | 'hands-free';
/** An expression of the avatar, as the protocol's `expression` event names it. */
export type Expression = Extract<ServerEvent, { type: 'expression' }>['expression'];

/** Events the SDK adds to the protocol's own: timed to playback, or about the connection and microphone. */
export type SdkEvent =
  | { type: 'status'; status: ConnectionStatus; attempt?: number; delayMs?: number }
  /**
   * A line for the captions: the user's words as recognized, the agent's sentence as it is heard.
   * `by`: who said a user line, in a conversation of several people.
   */
  | {
      type: 'caption';
      speaker: 'user' | 'agent';
      turnId: number;
      text: string;
      final: boolean;
      by?: { id: string; name: string };
    }
  /** The expression to show now: with audio, when the sentence it belongs to starts playing. */
  | { type: 'expression.show'; turnId: number; expression: Expression; intensity: number }
  /** A chunk's mouth shapes, scheduled ahead: `startTimeSec` is the AudioContext time of its first sample. */
  /** `text` and `words` (times from the chunk's first sample) are what the chunk says, for gestures. */
  | {
      type: 'visemes';
      turnId: number;
      seq: number;
      cues: VisemeCue[];
      text: string;
      words: WordTiming[];
      startTimeSec: number;
    }
  /** A chunk's audio, as scheduled: for waveform displays and timing probes. */
  | { type: 'audio.scheduled'; turnId: number; seq: number; startTimeSec: number; buffer: AudioBuffer }
  /** The first sample of a turn's audio is being heard; `atPerfMs` is that moment on `performance.now()`. */
  | { type: 'playback.start'; turnId: number; atPerfMs: number }
  /**
   * A turn's audio ended or was flushed after `playedMs`. `heardText`, after an interruption when
   * the chunks had word times: the words heard, as the server's transcript keeps them — for
   * captions that show what was said rather than what was meant to be.
   */
  | { type: 'playback.end'; turnId: number; playedMs: number; interrupted: boolean; heardText?: string }
  | { type: 'microphone'; active: boolean; mode: MicrophoneMode; talking: boolean }
  /** Root mean square of the last 20 ms of microphone audio, 0..1 of full scale. */
  | { type: 'microphone.level'; rms: number }
  /**
   * A turn's latency: the server's hops, plus `inputToAudioMs`, measured here from the end of the
   * user's input (text sent, push-to-talk released or VAD speech-end received) to the first sample
   * heard — or, for the greeting, from `connect()`.
   */
  | { type: 'latency'; turnId: number; server: TurnLatency; inputToAudioMs?: number }
  /** Typed text that waits for the connection to come back (`sendText` while it is away). */
  | { type: 'text.queued'; id: number; text: string }
  /** Waiting typed text went to the server, once a session was open again. */
  | { type: 'text.sent'; id: number; text: string }
  /** A problem on this side (microphone refused, malformed frame); the session goes on. */
  | { type: 'client.error'; code: ErrorCode; message: string };

export type ClientEvent = ServerEvent | SdkEvent;
/** One turn of the conversation as the server keeps it (the answer to `transcript.get`). */
export type TranscriptEntry = Extract<ServerEvent, { type: 'transcript' }>['entries'][number];
export type ClientEventType = ClientEvent['type'];

type SdkEventOf<T extends SdkEvent['type']> = Extract<SdkEvent, { type: T }>;
/** What the connection tells: its status, and frames it could not take. */
export type ConnectionEvent = SdkEventOf<'status' | 'client.error'>;
/** What playback tells, each when it happens on the heard clock. */
export type ReplyEvent = SdkEventOf<
  'caption' | 'expression.show' | 'visemes' | 'audio.scheduled' | 'playback.start' | 'playback.end'
>;
/** What the microphone tells. */
export type MicrophoneEvent = SdkEventOf<'microphone' | 'microphone.level' | 'client.error'>;
