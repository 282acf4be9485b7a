import type { Expression } from './agent-schema.js';
import type { AnsweredBy } from './dialogue-types.js';
import type { ErrorCode } from './errors.js';
import type { VisemeCue, WordTiming } from './visemes-types.js';

/**
 * The wire types of protocol version 1 (docs/protocol.md), shared by the server and the browser
 * SDK. Types only: importing them adds nothing to a bundle.
 */
export const PROTOCOL_VERSION = 1;

/** What a provider reported during a turn (a fallback, an open circuit), for the `provider` event. */
export interface ProviderNotice {
  /** The kind of report, e.g. `provider-fallback`, `circuit-opened`, `llm-failed`. */
  event: string;
  kind?: string;
  provider?: string;
  from?: string;
  to?: string;
  code?: string;
}

export interface TurnLatency {
  asrFinalMs?: number;
  nluMs?: number;
  dialogueMs?: number;
  ttsFirstAudioMs?: number;
  speechEndToFirstAudioMs?: number;
}

export interface SessionStartedEvent {
  type: 'session.started';
  protocol: number;
  sessionId: string;
  agent: { name: string; language: string };
  audio: { encoding: 'pcm_s16le'; sampleRate: number };
  limits: { maxTextFrameBytes: number; maxBinaryFrameBytes: number; maxTextChars: number };
}

export interface AudioChunkEvent {
  type: 'audio.chunk';
  turnId: number;
  seq: number;
  sampleRate: number;
  samples: number;
  durationMs: number;
  text: string;
  /** Times in ms from the chunk's first sample. */
  visemes: VisemeCue[];
  words: WordTiming[];
}

/** Server → client JSON events. */
export type ServerEvent =
  | SessionStartedEvent
  | { type: 'vad'; state: 'speech-start' | 'speech-end'; atMs: number }
  | { type: 'transcript.partial'; turnId: number; text: string }
  | {
      type: 'transcript.final';
      turnId: number;
      text: string;
      confidence: number;
      understood: boolean;
      source: 'speech' | 'text';
    }
  | {
      type: 'nlu';
      turnId: number;
      intent: string | null;
      confidence: number;
      entities: { entity: string; value: string; text: string }[];
      ranking: { intent: string; confidence: number }[];
    }
  | { type: 'response.text'; turnId: number; text: string; answeredBy: AnsweredBy; source?: string }
  | { type: 'expression'; turnId: number; expression: Expression; intensity: number }
  | AudioChunkEvent
  | { type: 'handoff'; turnId: number; reason: string }
  | ({ type: 'provider'; turnId: number } & ProviderNotice)
  | { type: 'interrupted'; turnId: number; reason: 'barge-in' | 'client' }
  | { type: 'turn.end'; turnId: number; interrupted: boolean; spokenText: string; latency: TurnLatency }
  | {
      type: 'transcript';
      entries: { turnId: number; role: 'user' | 'agent'; text: string; interrupted?: boolean }[];
    }
  | { type: 'error'; code: ErrorCode; message: string; fatal: boolean }
  | { type: 'session.ended'; reason: 'client' | 'idle' | 'server' };

export type ServerEventType = ServerEvent['type'];

/** Client → server JSON messages. */
export type ClientMessage =
  | {
      type: 'session.start';
      protocol: 1;
      sampleRate?: number;
      audio?: boolean;
      voice?: string;
      greet?: boolean;
    }
  | { type: 'audio.commit' }
  | { type: 'text'; text: string }
  | { type: 'playback'; turnId: number; playedMs: number }
  | { type: 'interrupt' }
  | { type: 'transcript.get' }
  | { type: 'session.end' };
