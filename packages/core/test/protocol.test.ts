import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Expression } from '../src/agent-schema.js';
import type { AnsweredBy } from '../src/dialogue-types.js';
import type { ErrorCode } from '../src/errors.js';
import {
  type AudioChunkEvent,
  type ClientMessage,
  clientMessageSchemas,
  type ParsedClientMessage,
  type ServerEvent,
  serverEventSchemas,
} from '../src/protocol.js';
import type { VisemeCue, WordTiming } from '../src/visemes-types.js';

/** One of each event, as docs/protocol.md shows them. */
const events: ServerEvent[] = [
  {
    type: 'session.started',
    protocol: 1,
    sessionId: 'b0c5',
    agent: { name: 'Ava', language: 'en-US' },
    audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
    limits: { maxTextFrameBytes: 65536, maxBinaryFrameBytes: 262144, maxTextChars: 2000 },
    resumed: false,
    subject: { id: 'a_5f0c0d7ad2e44a4f9a3e1b3f7d2c9e01', consent: null },
    privacy: { policyVersion: '2026-03', retention: { transcripts: '30d', audio: '7d', memory: '365d' } },
    storage: true,
    features: { renderer3d: true, expressions: true, handsFree: false, llmFallback: true, memory: false },
  },
  { type: 'vad', state: 'speech-start', atMs: 5120 },
  { type: 'transcript.partial', turnId: 2, text: 'where is my' },
  {
    type: 'transcript.final',
    turnId: 2,
    text: 'where is my order',
    confidence: 0.82,
    understood: true,
    source: 'speech',
    speaker: { id: 'v2', name: 'Speaker 2' },
  },
  {
    type: 'nlu',
    turnId: 2,
    intent: null,
    confidence: 0.2,
    entities: [{ entity: 'order_number', value: '123456', text: 'one two three four five six' }],
    ranking: [{ intent: 'order_status', confidence: 0.91 }],
  },
  {
    type: 'response.text',
    turnId: 2,
    text: 'Refunds take five days.',
    answeredBy: 'knowledge',
    source: 'knowledge/returns.md#Refunds',
  },
  { type: 'expression', turnId: 2, expression: 'happy', intensity: 0.8 },
  {
    type: 'audio.chunk',
    turnId: 2,
    seq: 0,
    sampleRate: 16000,
    samples: 28800,
    durationMs: 1800,
    text: "Sure, what's your order number?",
    visemes: [
      { viseme: 'sil', startMs: 0, endMs: 45 },
      { viseme: 'SS', startMs: 45, endMs: 120 },
    ],
    words: [{ word: 'Sure', startMs: 45, endMs: 260 }],
  },
  { type: 'handoff', turnId: 4, reason: 'talk_to_human' },
  { type: 'provider', turnId: 3, event: 'provider-fallback', kind: 'tts', from: 'elevenlabs', to: 'flite' },
  { type: 'interrupted', turnId: 2, reason: 'barge-in' },
  { type: 'playback.duck', turnId: 2, gain: 0.1 },
  {
    type: 'turn.end',
    turnId: 2,
    interrupted: false,
    spokenText: "Sure, what's your order number?",
    latency: {
      asrFinalMs: 38,
      nluMs: 0.4,
      dialogueMs: 0.9,
      ttsFirstAudioMs: 61,
      speechEndToFirstAudioMs: 104,
    },
  },
  {
    type: 'transcript',
    entries: [
      { turnId: 1, role: 'user', text: 'where is my order', speaker: { id: 'v1', name: 'Speaker 1' } },
      { turnId: 1, role: 'agent', text: 'Sure, I can check that', interrupted: true },
    ],
  },
  { type: 'error', code: 'bad_message', message: 'text: text: text is empty', fatal: false },
  { type: 'session.ended', reason: 'idle' },
  {
    type: 'consent',
    transcripts: true,
    audio: false,
    memory: true,
    policyVersion: '2026-03',
    decidedAt: '2026-03-01T12:00:00.000Z',
  },
  { type: 'feedback', turnId: 3, rating: 'down' },
  { type: 'heartbeat' },
  { type: 'participant.joined', participant: { id: 'p2', name: 'Bo' } },
  { type: 'participant.left', participant: { id: 'p2', name: 'Bo' }, reason: 'left' },
];

const messages: ClientMessage[] = [
  { type: 'session.start', protocol: 1 },
  { type: 'session.start', protocol: 1, resume: 'b0c5' },
  { type: 'session.start', protocol: 1, name: 'Ana' },
  { type: 'session.join', protocol: 1, sessionId: 'b0c5', invite: 'k3y', name: 'Bo' },
  { type: 'audio.hold' },
  { type: 'audio.commit' },
  { type: 'text', text: 'where is my order?' },
  { type: 'playback', turnId: 3, playedMs: 1840 },
  { type: 'client.timing', turnId: 3, firstSampleAtMs: 42, firstVisemeAtMs: 47 },
  { type: 'interrupt' },
  { type: 'transcript.get' },
  { type: 'session.end' },
  { type: 'consent.set', transcripts: true, audio: false, memory: true },
  { type: 'client.feedback', turnId: 3, rating: 'down' },
];

describe('protocol schemas', () => {
  it('have one schema for each event and message type of version 1, found by that type', () => {
    expect([...serverEventSchemas.keys()].sort()).toEqual(events.map((e) => e.type).sort());
    expect([...clientMessageSchemas.keys()].sort()).toEqual([...new Set(messages.map((m) => m.type))].sort());
    for (const event of events) {
      expect(serverEventSchemas.get(event.type)?.safeParse(event).success, event.type).toBe(true);
    }
    for (const message of messages) {
      expect(clientMessageSchemas.get(message.type)?.safeParse(message).success, message.type).toBe(true);
    }
  });

  it('take a client.timing only with delays a clock can give', () => {
    const timing = clientMessageSchemas.get('client.timing');
    expect(timing?.safeParse({ type: 'client.timing', turnId: 1, firstSampleAtMs: 12 }).success).toBe(true);
    expect(timing?.safeParse({ type: 'client.timing', turnId: 1, firstSampleAtMs: -1 }).success).toBe(false);
    expect(timing?.safeParse({ type: 'client.timing', turnId: 1, firstVisemeAtMs: 1e9 }).success).toBe(false);
    expect(timing?.safeParse({ type: 'client.timing', turnId: 1.5 }).success).toBe(false);
  });

  it('take a rating of an answer only as up or down, for a whole turn number', () => {
    const feedback = clientMessageSchemas.get('client.feedback');
    expect(feedback?.safeParse({ type: 'client.feedback', turnId: 0, rating: 'up' }).success).toBe(true);
    expect(feedback?.safeParse({ type: 'client.feedback', turnId: 1, rating: 'meh' }).success).toBe(false);
    expect(feedback?.safeParse({ type: 'client.feedback', turnId: -1, rating: 'up' }).success).toBe(false);
    expect(feedback?.safeParse({ type: 'client.feedback', turnId: '1', rating: 'up' }).success).toBe(false);
    expect(feedback?.safeParse({ type: 'client.feedback', rating: 'up' }).success).toBe(false);
    const answer = serverEventSchemas.get('feedback');
    expect(answer?.safeParse({ type: 'feedback', turnId: 1, rating: 'sideways' }).success).toBe(false);
  });

  it('find nothing for a name that only Object.prototype has', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(serverEventSchemas.get(type), type).toBeUndefined();
      expect(clientMessageSchemas.get(type), type).toBeUndefined();
    }
  });

  it("take another type's fields for nothing: each schema checks its own event", () => {
    const vad = serverEventSchemas.get('vad');
    expect(vad?.safeParse({ type: 'vad', state: 'speech-start', atMs: 3 }).success).toBe(true);
    expect(vad?.safeParse({ type: 'vad', state: 'speech-middle', atMs: 3 }).success).toBe(false);
    expect(vad?.safeParse({ type: 'interrupted', state: 'speech-start', atMs: 3 }).success).toBe(false);
    const chunk = serverEventSchemas.get('audio.chunk');
    const cues = [{ viseme: 'XX', startMs: 0, endMs: 10 }];
    expect(chunk?.safeParse({ ...events[7], visemes: cues }).success).toBe(false);
  });

  it('let a server add fields to an event, but not a client to a message', () => {
    const ended = serverEventSchemas.get('session.ended');
    expect(ended?.safeParse({ type: 'session.ended', reason: 'idle', idleMs: 300000 }).success).toBe(true);
    const interrupt = clientMessageSchemas.get('interrupt');
    expect(interrupt?.safeParse({ type: 'interrupt', extra: true }).success).toBe(false);
  });

  it('fill in what a client may leave out of session.start, and trim typed text', () => {
    expect(clientMessageSchemas.get('session.start')?.parse({ type: 'session.start', protocol: 1 })).toEqual({
      type: 'session.start',
      protocol: 1,
      sampleRate: 16000,
      audio: true,
      greet: true,
    });
    expect(clientMessageSchemas.get('text')?.parse({ type: 'text', text: '  hi  ' })).toEqual({
      type: 'text',
      text: 'hi',
    });
    const rates = clientMessageSchemas.get('session.start');
    for (const sampleRate of [4000, 96000, 16000.5]) {
      expect(
        rates?.safeParse({ type: 'session.start', protocol: 1, sampleRate }).success,
        `${sampleRate}`,
      ).toBe(false);
    }
  });

  it("infer the wire types that core's other types name", () => {
    type Of<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;
    expectTypeOf<Of<'expression'>['expression']>().toEqualTypeOf<Expression>();
    expectTypeOf<Of<'response.text'>['answeredBy']>().toEqualTypeOf<AnsweredBy>();
    expectTypeOf<Of<'error'>['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<AudioChunkEvent['visemes'][number]>().toEqualTypeOf<VisemeCue>();
    expectTypeOf<AudioChunkEvent['words'][number]>().toEqualTypeOf<WordTiming>();
    // As sent, session.start may leave out what has a default; as parsed, it has it.
    type Start<T> = Extract<T, { type: 'session.start' }>;
    expectTypeOf<Start<ClientMessage>['sampleRate']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Start<ParsedClientMessage>['sampleRate']>().toEqualTypeOf<number>();
  });
});

describe('multi-party fields', () => {
  it('take a display name of 1–40 characters, trimmed, and a join only with its session and code', () => {
    const start = clientMessageSchemas.get('session.start');
    expect(start?.safeParse({ type: 'session.start', protocol: 1, name: '  Ana ' }).data).toMatchObject({
      name: 'Ana',
    });
    expect(start?.safeParse({ type: 'session.start', protocol: 1, name: '   ' }).success).toBe(false);
    expect(start?.safeParse({ type: 'session.start', protocol: 1, name: 'x'.repeat(41) }).success).toBe(
      false,
    );
    const join = clientMessageSchemas.get('session.join');
    expect(join?.safeParse({ type: 'session.join', protocol: 1, sessionId: 's' }).success).toBe(false);
    expect(join?.safeParse({ type: 'session.join', protocol: 1, invite: 'c' }).success).toBe(false);
    expect(
      join?.safeParse({ type: 'session.join', protocol: 1, sessionId: 's', invite: 'c' }).data,
    ).toMatchObject({
      sampleRate: 16000,
      audio: true,
    });
  });

  it('carry a speaker on user transcripts only in its one shape', () => {
    const final = serverEventSchemas.get('transcript.final');
    const base = {
      type: 'transcript.final',
      turnId: 1,
      text: 'hi',
      confidence: 1,
      understood: true,
      source: 'text',
    };
    expect(final?.safeParse({ ...base, speaker: { id: 'p2', name: 'Bo' } }).success).toBe(true);
    expect(final?.safeParse({ ...base, speaker: 'Bo' }).success).toBe(false);
  });
});
