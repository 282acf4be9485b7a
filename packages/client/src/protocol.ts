import {
  type AudioChunkEvent,
  type ClientMessage,
  ErrorCode,
  PROTOCOL_VERSION,
  type ServerEvent,
  type ServerEventType,
  type SessionStartedEvent,
  type TurnLatency,
  VisemoError,
} from '@visemo/core';

// Protocol version 1 as the browser sees it (docs/protocol.md): the wire types come from core,
// shared with the server; this module checks incoming events at the edge.
export type {
  AudioChunkEvent,
  ClientMessage,
  ServerEvent,
  ServerEventType,
  SessionStartedEvent,
  TurnLatency,
};
export { PROTOCOL_VERSION };

/** What each event type must carry; checked at the edge so the rest of the SDK can trust the types. */
const REQUIRED_FIELDS: Readonly<Record<ServerEventType, Readonly<Record<string, FieldKind>>>> = {
  'session.started': { protocol: 'number', sessionId: 'string', agent: 'object', audio: 'object' },
  vad: { state: 'string', atMs: 'number' },
  'transcript.partial': { turnId: 'number', text: 'string' },
  'transcript.final': { turnId: 'number', text: 'string', understood: 'boolean' },
  nlu: { turnId: 'number' },
  'response.text': { turnId: 'number', text: 'string' },
  expression: { turnId: 'number', expression: 'string', intensity: 'number' },
  'audio.chunk': {
    turnId: 'number',
    seq: 'number',
    sampleRate: 'number',
    samples: 'number',
    text: 'string',
    visemes: 'array',
    words: 'array',
  },
  handoff: { turnId: 'number', reason: 'string' },
  interrupted: { turnId: 'number', reason: 'string' },
  'turn.end': { turnId: 'number', interrupted: 'boolean', spokenText: 'string', latency: 'object' },
  provider: { turnId: 'number', event: 'string' },
  transcript: { entries: 'array' },
  error: { code: 'string', message: 'string', fatal: 'boolean' },
  'session.ended': { reason: 'string' },
};

type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array';

function kindOf(value: unknown): FieldKind | 'other' {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'other';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : 'other';
}

/**
 * Parses one JSON text frame from the server. Returns null for an event type this SDK does not know
 * (an addition that a newer server may send without breaking version 1); throws `bad_message` for
 * a known event with fields of the wrong kind, so listeners can trust the types above.
 */
export function parseServerEvent(text: string): ServerEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw violation('server frame is not JSON');
  }
  if (kindOf(raw) !== 'object') throw violation('server frame is not a JSON object');
  const event = raw as Record<string, unknown>;
  const type = event.type;
  if (typeof type !== 'string') throw violation('server frame has no string field "type"');
  if (!Object.hasOwn(REQUIRED_FIELDS, type)) return null;
  const fields = REQUIRED_FIELDS[type as ServerEventType];
  for (const [name, kind] of Object.entries(fields)) {
    if (kindOf(event[name]) !== kind) {
      throw violation(`${type}: field "${name}" must be ${kind === 'array' ? 'an' : 'a'} ${kind}`);
    }
  }
  if (type === 'audio.chunk') checkCues(event.visemes as unknown[]);
  return event as unknown as ServerEvent;
}

function checkCues(cues: unknown[]): void {
  for (const cue of cues) {
    const c = cue as Record<string, unknown> | null;
    if (
      kindOf(c) !== 'object' ||
      typeof c?.viseme !== 'string' ||
      typeof c.startMs !== 'number' ||
      typeof c.endMs !== 'number'
    ) {
      throw violation('audio.chunk: every viseme cue needs viseme, startMs and endMs');
    }
  }
}

/** A server frame the SDK does not accept: reported as an `error` event, and the session goes on. */
function violation(message: string): VisemoError {
  return new VisemoError(ErrorCode.BadMessage, message);
}
