import * as z from 'zod/mini';
import {
  MAX_INPUT_SAMPLE_RATE,
  MAX_PARTICIPANT_NAME_CHARS,
  MAX_TEXT_CHARS,
  MIN_INPUT_SAMPLE_RATE,
  PROTOCOL_VERSION,
} from './protocol-limits.js';

// Client → server JSON messages of protocol version 1 (docs/protocol.md), one schema per `type`.
// Strict objects: a field the protocol does not have is a mistake, and the server names it.

/** A display name: trimmed, 1–40 characters. */
const participantName = z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_PARTICIPANT_NAME_CHARS));

const SessionStart = z.strictObject({
  type: z.literal('session.start'),
  protocol: z.literal(PROTOCOL_VERSION),
  sampleRate: z._default(
    z.number().check(z.int(), z.gte(MIN_INPUT_SAMPLE_RATE), z.lte(MAX_INPUT_SAMPLE_RATE)),
    16000,
  ),
  audio: z._default(z.boolean(), true),
  voice: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  greet: z._default(z.boolean(), true),
  /** A `sessionId` of an earlier `session.started` of the same subject, to continue that session. */
  resume: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** The person's display name, for speaker labels and for the agent to address them by. */
  name: z.optional(participantName),
});

/**
 * Joins a running session as a further participant (docs/multi-party.md): its `sessionId` and the
 * host's `invite` code, instead of `session.start`.
 */
const SessionJoin = z.strictObject({
  type: z.literal('session.join'),
  protocol: z.literal(PROTOCOL_VERSION),
  sessionId: z.string().check(z.minLength(1), z.maxLength(64)),
  invite: z.string().check(z.minLength(1), z.maxLength(128)),
  name: z.optional(participantName),
  sampleRate: z._default(
    z.number().check(z.int(), z.gte(MIN_INPUT_SAMPLE_RATE), z.lte(MAX_INPUT_SAMPLE_RATE)),
    16000,
  ),
  audio: z._default(z.boolean(), true),
});

const Text = z.strictObject({
  type: z.literal('text'),
  text: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'text is empty'),
      z.maxLength(MAX_TEXT_CHARS, `text is over ${MAX_TEXT_CHARS} characters`),
    ),
});

const Playback = z.strictObject({
  type: z.literal('playback'),
  turnId: z.number().check(z.int(), z.gte(0)),
  playedMs: z.number().check(z.gte(0)),
});

/** A delay measured by the client, in ms: at most ten minutes (anything longer is a broken clock). */
const clientDelayMs = z.number().check(z.gte(0), z.lte(600_000));

/**
 * When the client played a turn's first sample and rendered its first viseme, each in ms after it
 * received the turn's first `audio.chunk` (seq 0): a delay on the client's own clock, which the
 * server adds to the moment it sent that chunk, so no clock needs to agree with another.
 */
const ClientTiming = z.strictObject({
  type: z.literal('client.timing'),
  turnId: z.number().check(z.int(), z.gte(0)),
  firstSampleAtMs: z.optional(clientDelayMs),
  firstVisemeAtMs: z.optional(clientDelayMs),
});

/** Push-to-talk pressed: until `audio.commit`, the key alone decides where the utterance ends. */
const AudioHold = z.strictObject({ type: z.literal('audio.hold') });
const AudioCommit = z.strictObject({ type: z.literal('audio.commit') });
const Interrupt = z.strictObject({ type: z.literal('interrupt') });
const TranscriptGet = z.strictObject({ type: z.literal('transcript.get') });
const SessionEnd = z.strictObject({ type: z.literal('session.end') });

/** The person's choice per category of personal data, under the agent's privacy notice. */
const ConsentSet = z.strictObject({
  type: z.literal('consent.set'),
  transcripts: z.boolean(),
  audio: z.boolean(),
  memory: z.boolean(),
});

/** How a person rated an answer. */
export const FEEDBACK_RATINGS = ['up', 'down'] as const;
export type FeedbackRating = (typeof FEEDBACK_RATINGS)[number];

/** The person's rating of one of the agent's answers (`turnId` of its `turn.end`); the last one counts. */
const ClientFeedback = z.strictObject({
  type: z.literal('client.feedback'),
  turnId: z.number().check(z.int(), z.gte(0)),
  rating: z.enum(FEEDBACK_RATINGS),
});

const schemas = [
  SessionStart,
  SessionJoin,
  Text,
  Playback,
  ClientTiming,
  AudioHold,
  AudioCommit,
  Interrupt,
  TranscriptGet,
  SessionEnd,
  ConsentSet,
  ClientFeedback,
] as const;
type Schema = (typeof schemas)[number];

/** A client message as sent: fields with a default may be left out. */
export type ClientMessage = z.input<Schema>;
export type ClientMessageType = ClientMessage['type'];
/** A client message as parsed: defaults filled in, typed text trimmed. */
export type ParsedClientMessage = z.output<Schema>;
export type ParsedSessionStart = z.output<typeof SessionStart>;
export type ParsedSessionJoin = z.output<typeof SessionJoin>;
export type ParsedConsentSet = z.output<typeof ConsentSet>;
export type ClientTimingMessage = z.output<typeof ClientTiming>;
export type ClientFeedbackMessage = z.output<typeof ClientFeedback>;

/**
 * The schema of each message type. A Map rather than an object: looking up a `type` such as
 * `constructor` or `__proto__` finds nothing instead of something on `Object.prototype`.
 */
export const clientMessageSchemas: ReadonlyMap<
  string,
  z.ZodMiniType<ParsedClientMessage, ClientMessage>
> = new Map(schemas.map((schema) => [schema.shape.type.def.values[0] as string, schema]));
