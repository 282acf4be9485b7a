import {
  ErrorCode,
  PIPELINE_SAMPLE_RATE,
  type SessionStartedEvent,
  type Speaker,
  type Transcript,
  VisemoError,
} from '@visemo/core';
import {
  MAX_BINARY_FRAME_BYTES,
  MAX_TEXT_CHARS,
  MAX_TEXT_FRAME_BYTES,
  PROTOCOL_VERSION,
} from '../protocol/limits.js';
import type { ServerEvent } from '../protocol/server-events.js';
import { AGENT_MODEL_PATH, type Persona } from '../runtime.js';
import type { TurnRecord } from './turn-record.js';

/** The protocol events of a session itself; a turn's own events come from `Turn.take`. */

export function sessionStartedEvent(
  sessionId: string,
  agent: Pick<Persona, 'name' | 'language' | 'look' | 'modelFile'>,
  data: Pick<
    SessionStartedEvent,
    | 'resumed'
    | 'subject'
    | 'privacy'
    | 'storage'
    | 'features'
    | 'heartbeatMs'
    | 'participant'
    | 'participants'
    | 'invite'
  > = {},
): ServerEvent {
  const event: SessionStartedEvent = {
    type: 'session.started',
    protocol: PROTOCOL_VERSION,
    sessionId,
    agent: {
      name: agent.name,
      language: agent.language,
      ...(agent.look || agent.modelFile
        ? {
            look: {
              character: agent.look?.character ?? 'maya',
              ...agent.look,
              ...(agent.modelFile ? { model: AGENT_MODEL_PATH } : {}),
            },
          }
        : {}),
    },
    audio: { encoding: 'pcm_s16le', sampleRate: PIPELINE_SAMPLE_RATE },
    limits: {
      maxTextFrameBytes: MAX_TEXT_FRAME_BYTES,
      maxBinaryFrameBytes: MAX_BINARY_FRAME_BYTES,
      maxTextChars: MAX_TEXT_CHARS,
    },
    ...data,
  };
  return event;
}

export function transcriptFinalEvent(
  turnId: number,
  text: string,
  transcript: Transcript,
  source: 'speech' | 'text',
  speaker?: Speaker,
): ServerEvent {
  return {
    type: 'transcript.final',
    turnId,
    text,
    confidence: round(transcript.confidence, 3),
    understood: transcript.understood,
    source,
    ...(speaker ? { speaker } : {}),
  };
}

export function turnEndEvent(record: TurnRecord): ServerEvent {
  return {
    type: 'turn.end',
    turnId: record.turnId,
    interrupted: record.interrupted,
    spokenText: record.spokenText,
    latency: record.latency,
  };
}

/** A typed error as the client sees it; anything else is `internal`, its message kept back. */
export function errorEvent(error: unknown): ServerEvent {
  const known = error instanceof VisemoError;
  const code = known ? error.code : ErrorCode.Internal;
  const message = known ? error.message : 'internal error';
  return { type: 'error', code, message, fatal: false };
}

/**
 * The WebSocket close code after a fatal error (RFC 6455): 1013 "try again later" for a full
 * server or session, 1001 "going away" when it shuts down, 1008 "policy violation" otherwise.
 */
export function fatalCloseCode(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.SessionLimit:
    case ErrorCode.SessionFull:
    case ErrorCode.ConnectionLimit:
      return 1013;
    case ErrorCode.ServerShutdown:
      return 1001;
    case ErrorCode.PayloadTooLarge:
      return 1009;
    default:
      return 1008;
  }
}

/** Whether an error is a fault of the server itself, not of a client, a provider or the input. */
export function isInternalError(error: unknown): boolean {
  return !(error instanceof VisemoError) || error.code === ErrorCode.Internal;
}

/** Rounds a measure for the wire: `digits` after the point. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
