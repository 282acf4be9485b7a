import { ErrorCode, VisemoError } from '@visemo/core/errors';
import {
  type AudioChunkEvent,
  type ClientMessage,
  type FeedbackRating,
  PROTOCOL_VERSION,
  type ServerEvent,
  type ServerEventType,
  type SessionStartedEvent,
  serverEventSchemas,
  type TurnLatency,
} from '@visemo/core/protocol';

// Protocol version 1 as the browser sees it (docs/protocol.md): the wire types and their schemas
// come from core, shared with the server; this module checks incoming events at the edge.
export type {
  AudioChunkEvent,
  ClientMessage,
  FeedbackRating,
  ServerEvent,
  ServerEventType,
  SessionStartedEvent,
  TurnLatency,
};
export { PROTOCOL_VERSION };

type EventSchema = NonNullable<ReturnType<typeof serverEventSchemas.get>>;
type Issue = NonNullable<ReturnType<EventSchema['safeParse']>['error']>['issues'][number];

/**
 * Parses one JSON text frame from the server. Returns null for an event type this SDK does not know
 * (an addition that a newer server may send without breaking version 1); throws `bad_message` for
 * a known event that does not match its schema, so listeners can trust the types above. The event
 * is returned as it came, fields this version does not know included.
 */
export function parseServerEvent(text: string): ServerEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw violation('server frame is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw violation('server frame is not a JSON object');
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') throw violation('server frame has no string field "type"');
  const schema = serverEventSchemas.get(type);
  if (!schema) return null;
  const checked = schema.safeParse(raw);
  if (!checked.success) throw violation(`${type}: ${describe(checked.error.issues[0])}`);
  return raw as ServerEvent;
}

/** zod/mini has no messages of its own (they would cost the bundle its locale); a short one from the issue. */
function describe(issue: Issue | undefined): string {
  if (!issue) return 'invalid';
  const field = issue.path.length > 0 ? `field "${issue.path.map(String).join('.')}"` : 'the event';
  if (issue.code === 'invalid_type') {
    const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
    return `${field} must be ${article} ${issue.expected}`;
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v));
    return `${field} must be ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}`;
  }
  return `${field} is invalid (${issue.code})`;
}

/** A server frame the SDK does not accept: reported as an `error` event, and the session goes on. */
function violation(message: string): VisemoError {
  return new VisemoError(ErrorCode.BadMessage, message);
}
