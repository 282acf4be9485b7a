import { ErrorCode, VisemoError } from '@visemo/core';
import { z } from 'zod';
import { MAX_INPUT_SAMPLE_RATE, MAX_TEXT_CHARS, MIN_INPUT_SAMPLE_RATE, PROTOCOL_VERSION } from './limits.js';

const SessionStart = z.strictObject({
  type: z.literal('session.start'),
  protocol: z.literal(PROTOCOL_VERSION),
  sampleRate: z.number().int().min(MIN_INPUT_SAMPLE_RATE).max(MAX_INPUT_SAMPLE_RATE).default(16000),
  audio: z.boolean().default(true),
  voice: z.string().min(1).max(64).optional(),
  greet: z.boolean().default(true),
});

const Text = z.strictObject({
  type: z.literal('text'),
  text: z
    .string()
    .trim()
    .min(1, 'text is empty')
    .max(MAX_TEXT_CHARS, `text is over ${MAX_TEXT_CHARS} characters`),
});

const Playback = z.strictObject({
  type: z.literal('playback'),
  turnId: z.number().int().min(0),
  playedMs: z.number().min(0),
});

const AudioCommit = z.strictObject({ type: z.literal('audio.commit') });
const Interrupt = z.strictObject({ type: z.literal('interrupt') });
const SessionEnd = z.strictObject({ type: z.literal('session.end') });
const TranscriptGet = z.strictObject({ type: z.literal('transcript.get') });

const schemas = {
  'session.start': SessionStart,
  text: Text,
  playback: Playback,
  'audio.commit': AudioCommit,
  interrupt: Interrupt,
  'session.end': SessionEnd,
  'transcript.get': TranscriptGet,
} as const;

export type ClientMessage =
  | z.infer<typeof SessionStart>
  | z.infer<typeof Text>
  | z.infer<typeof Playback>
  | z.infer<typeof AudioCommit>
  | z.infer<typeof Interrupt>
  | z.infer<typeof SessionEnd>
  | z.infer<typeof TranscriptGet>;
export type SessionStartMessage = z.infer<typeof SessionStart>;

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
  const schema = schemas[type as keyof typeof schemas];
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
