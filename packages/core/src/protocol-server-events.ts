import * as z from 'zod/mini';
import type { AnsweredBy } from './dialogue-types.js';
import { ErrorCode } from './errors.js';
import { EXPRESSIONS } from './expressions.js';
import { FEEDBACK_RATINGS } from './protocol-client-messages.js';
import { VISEMES } from './visemes-types.js';

// Server → client JSON events of protocol version 1 (docs/protocol.md), one schema per `type`.
// Not strict: a field a newer server adds to an event is no reason to refuse it.

/** Which part of the dialogue answered; the server sends `AnsweredBy` values, so a new one must be listed here. */
const ANSWERED_BY = [
  'greeting',
  'intent',
  'flow',
  'knowledge',
  'fallback',
  'llm',
] as const satisfies readonly AnsweredBy[];

/**
 * Why a session ended: the client asked; no client frame for the idle timeout; the session reached
 * the server's maximum duration; the dialogue ended the conversation; the server is shutting down
 * (a client may reconnect).
 */
export const SESSION_END_REASONS = ['client', 'idle', 'max_duration', 'server', 'server_shutdown'] as const;
export type SessionEndReason = (typeof SESSION_END_REASONS)[number];

const turnId = z.number();

/**
 * Who said a user turn: a participant of a shared session (`p1`, `p2`, docs/multi-party.md), or a
 * voice told apart on one microphone (`v1`, `v2` with `speech.speakers: detect`, docs/speakers.md);
 * `name` is what a caption shows. Absent where the session has one speaker.
 */
const Speaker = z.object({ id: z.string(), name: z.string() });

const Latency = z.object({
  /** VAD speech-end → final transcript. */
  asrFinalMs: z.optional(z.number()),
  nluMs: z.optional(z.number()),
  /** NLU result → first reply text. */
  dialogueMs: z.optional(z.number()),
  /** First reply text → first audio ready. */
  ttsFirstAudioMs: z.optional(z.number()),
  /** VAD speech-end, or text received, → first audio frame sent. */
  speechEndToFirstAudioMs: z.optional(z.number()),
});

/** What a provider reported during a turn (a fallback, an open circuit), for the `provider` event. */
const Notice = z.object({
  /** The kind of report, e.g. `provider-fallback`, `circuit-opened`, `llm-failed`. */
  event: z.string(),
  kind: z.optional(z.string()),
  provider: z.optional(z.string()),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  code: z.optional(z.string()),
});

/** The person's consent per category, as last decided; ISO 8601 `decidedAt`. */
const Consent = z.object({
  transcripts: z.boolean(),
  audio: z.boolean(),
  memory: z.boolean(),
  policyVersion: z.string(),
  decidedAt: z.string(),
});
/**
 * The avatar capabilities this session runs with, from the server's feature flags: evaluated once
 * when the session starts. A client honours the ones it knows and ignores the others.
 */
const Features = z.record(z.string(), z.boolean());

const SessionStarted = z.object({
  type: z.literal('session.started'),
  protocol: z.number(),
  sessionId: z.string(),
  agent: z.object({
    name: z.string(),
    language: z.string(),
    /**
     * How the agent's avatar looks: a built-in character and its colours; `model` is the URL of
     * the agent's own VRM/GLB file. Absent: the default character.
     */
    look: z.optional(
      z.object({
        character: z.string(),
        skin: z.optional(z.string()),
        hair: z.optional(z.string()),
        eyes: z.optional(z.string()),
        clothes: z.optional(z.string()),
        model: z.optional(z.string()),
      }),
    ),
  }),
  audio: z.object({ encoding: z.literal('pcm_s16le'), sampleRate: z.number() }),
  limits: z.object({
    maxTextFrameBytes: z.number(),
    maxBinaryFrameBytes: z.number(),
    maxTextChars: z.number(),
  }),
  // The fields below came with the data controls; servers before them leave them out.
  /** True when `session.start`'s `resume` was honoured: same session, transcript restored, no greeting. */
  resumed: z.optional(z.boolean()),
  /** The pseudonymous subject the session belongs to; `consent` null when the person was never asked. */
  subject: z.optional(z.object({ id: z.string(), consent: z.nullable(Consent) })),
  /** The agent's privacy notice version and how long each category is kept ("30d", "forever"). */
  privacy: z.optional(
    z.object({
      policyVersion: z.string(),
      retention: z.object({ transcripts: z.string(), audio: z.string(), memory: z.string() }),
    }),
  ),
  /** False when the server keeps no data: no consent to ask, nothing to export or erase. */
  storage: z.optional(z.boolean()),
  features: z.optional(Features),
  /** Ms between the `heartbeat` events the server sends; absent from servers that send none. */
  heartbeatMs: z.optional(z.number()),
  /** This connection's participant of the session (docs/multi-party.md). */
  participant: z.optional(Speaker),
  /** Everyone in the session now, this participant included, in order of joining. */
  participants: z.optional(z.array(Speaker)),
  /** To the host only: the code others join with (`session.join`), good while the session runs. */
  invite: z.optional(z.object({ code: z.string(), maxParticipants: z.number() })),
});

const AudioChunk = z.object({
  type: z.literal('audio.chunk'),
  turnId,
  seq: z.number(),
  sampleRate: z.number(),
  samples: z.number(),
  durationMs: z.number(),
  text: z.string(),
  /** Times in ms from the chunk's first sample. */
  visemes: z.array(z.object({ viseme: z.enum(VISEMES), startMs: z.number(), endMs: z.number() })),
  words: z.array(z.object({ word: z.string(), startMs: z.number(), endMs: z.number() })),
});

const schemas = [
  SessionStarted,
  z.object({
    type: z.literal('vad'),
    state: z.enum(['speech-start', 'speech-end']),
    atMs: z.number(),
  }),
  z.object({
    type: z.literal('transcript.partial'),
    turnId,
    text: z.string(),
    speaker: z.optional(Speaker),
  }),
  z.object({
    type: z.literal('transcript.final'),
    turnId,
    text: z.string(),
    confidence: z.number(),
    understood: z.boolean(),
    source: z.enum(['speech', 'text']),
    speaker: z.optional(Speaker),
  }),
  z.object({
    type: z.literal('nlu'),
    turnId,
    intent: z.nullable(z.string()),
    confidence: z.number(),
    entities: z.array(z.object({ entity: z.string(), value: z.string(), text: z.string() })),
    ranking: z.array(z.object({ intent: z.string(), confidence: z.number() })),
  }),
  z.object({
    type: z.literal('response.text'),
    turnId,
    text: z.string(),
    answeredBy: z.enum(ANSWERED_BY),
    source: z.optional(z.string()),
  }),
  z.object({
    type: z.literal('expression'),
    turnId,
    expression: z.enum(EXPRESSIONS),
    intensity: z.number(),
  }),
  AudioChunk,
  z.object({ type: z.literal('handoff'), turnId, reason: z.string() }),
  z.object({ type: z.literal('provider'), turnId, ...Notice.shape }),
  z.object({ type: z.literal('interrupted'), turnId, reason: z.enum(['barge-in', 'client']) }),
  /** Speech over the agent's voice is being judged (gain < 1), or was a backchannel (gain 1). */
  z.object({ type: z.literal('playback.duck'), turnId, gain: z.number().check(z.gte(0), z.lte(1)) }),
  z.object({
    type: z.literal('turn.end'),
    turnId,
    interrupted: z.boolean(),
    spokenText: z.string(),
    latency: Latency,
  }),
  z.object({
    type: z.literal('transcript'),
    entries: z.array(
      z.object({
        turnId,
        role: z.enum(['user', 'agent']),
        text: z.string(),
        interrupted: z.optional(z.boolean()),
        speaker: z.optional(Speaker),
      }),
    ),
  }),
  /** Someone joined the session, or left it (`reason` `left`, `disconnected`). */
  z.object({ type: z.literal('participant.joined'), participant: Speaker }),
  z.object({
    type: z.literal('participant.left'),
    participant: Speaker,
    reason: z.enum(['left', 'disconnected']),
  }),
  z.object({ type: z.literal('error'), code: z.enum(ErrorCode), message: z.string(), fatal: z.boolean() }),
  z.object({ type: z.literal('session.ended'), reason: z.enum(SESSION_END_REASONS) }),
  z.object({ type: z.literal('consent'), ...Consent.shape }),
  /** The answer to `client.feedback`: the rating as now stored. */
  z.object({ type: z.literal('feedback'), turnId, rating: z.enum(FEEDBACK_RATINGS) }),
  z.object({ type: z.literal('heartbeat') }),
] as const;

/** Server → client JSON events. */
export type ServerEvent = z.output<(typeof schemas)[number]>;
export type ServerEventType = ServerEvent['type'];
export type SessionStartedEvent = z.output<typeof SessionStarted>;
export type SessionFeatures = z.output<typeof Features>;
export type AudioChunkEvent = z.output<typeof AudioChunk>;
export type TurnLatency = z.output<typeof Latency>;
export type ProviderNotice = z.output<typeof Notice>;
export type ConsentDecision = z.output<typeof Consent>;
export type Speaker = z.output<typeof Speaker>;

/**
 * The schema of each event type. A Map rather than an object: looking up a `type` such as
 * `constructor` or `__proto__` finds nothing instead of something on `Object.prototype`.
 */
export const serverEventSchemas: ReadonlyMap<string, z.ZodMiniType<ServerEvent>> = new Map(
  schemas.map((schema) => [schema.shape.type.def.values[0] as string, schema]),
);
