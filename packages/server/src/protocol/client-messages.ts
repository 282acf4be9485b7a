import {
  clientMessageSchemas,
  ErrorCode,
  type ParsedClientMessage,
  type ParsedSessionJoin,
  type ParsedSessionStart,
  VisemoError,
} from '@visemo/core';
import { en } from 'zod/locales';
import { config } from 'zod/mini';

// zod/mini carries no messages of its own; the server's `bad_message` errors name the problem in
// English, as they did with full zod.
config(en());

/** A client message as the session gets it: checked, defaults filled in. */
export type ClientMessage = ParsedClientMessage;
export type SessionStartMessage = ParsedSessionStart;
export type SessionJoinMessage = ParsedSessionJoin;

/** Parses one JSON text frame; throws VisemoError with the protocol's error code. */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new VisemoError(ErrorCode.BadMessage, 'message is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new VisemoError(ErrorCode.BadMessage, 'message must be a JSON object');
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new VisemoError(ErrorCode.BadMessage, 'message has no string field "type"');
  }
  const schema = clientMessageSchemas.get(type);
  if (!schema) {
    throw new VisemoError(ErrorCode.UnknownMessageType, `unknown message type "${type.slice(0, 64)}"`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new VisemoError(ErrorCode.BadMessage, `${type}: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
