import { type Attributes, ROOT_CONTEXT, type SpanContext, type Tracer, trace } from '@opentelemetry/api';
import type { ClientTimingMessage } from '@visemo/core';
import type { TurnRecord } from '../session/turn-record.js';

/** Turns whose late `client.timing` report still finds its trace. */
const KEPT_TURNS = 8;

/** Span and attribute names of a turn's trace (docs/operations.md). */
export const SPAN = {
  turn: 'visemo.turn',
  asr: 'asr.final',
  nlu: 'nlu',
  dialogue: 'dialogue.first_text',
  llm: 'llm.first_token',
  tts: 'tts.first_audio',
  audio: 'audio.send',
  clientSample: 'client.first_sample',
  clientViseme: 'client.first_viseme',
} as const;

interface TracedTurn {
  context: SpanContext;
  /** Epoch ms the turn's first audio chunk was sent: what the client's delays count from. */
  firstAudioAt: number | null;
}

/**
 * The spans of one session's turns: one trace per turn, a root span from the end of the person's
 * input (the VAD's end of speech, the typed text's arrival) to the turn's end, and a child span per
 * hop between the marks the turn recorded (`TurnRecord.marks`, on the session's `performance.now()`
 * clock). The client's first sample and first viseme, reported later, become two more children of
 * the same trace. Attributes carry identifiers, names and numbers, never what anyone said.
 */
export class SessionTracer {
  private readonly turns = new Map<number, TracedTurn>();
  private readonly pendingTimings = new Map<number, ClientTimingMessage>();

  /** The session's id as its turns name it (a resumed session's is the stored one). */
  private sessionId = '';

  constructor(
    private readonly tracer: Tracer,
    private readonly attributes: { agent?: string } = {},
    /** `performance.now()` ms → epoch ms. */
    private readonly toEpochMs: (ms: number) => number = (ms) => performance.timeOrigin + ms,
  ) {}

  /** The turn's trace, from its record. */
  turn(record: TurnRecord): void {
    this.sessionId = record.sessionId;
    const { marks } = record;
    const at = this.toEpochMs;
    const root = this.tracer.startSpan(
      SPAN.turn,
      { root: true, startTime: at(marks.inputEndedAt), attributes: this.rootAttributes(record) },
      ROOT_CONTEXT,
    );
    if (record.input === 'speech') root.addEvent('vad.speech_end', at(marks.inputEndedAt));
    const parent = trace.setSpan(ROOT_CONTEXT, root);
    const hop = (name: string, from: number | undefined, to: number | undefined, attributes: Attributes) => {
      if (from === undefined || to === undefined) return;
      this.tracer.startSpan(name, { startTime: at(from), attributes }, parent).end(at(to));
    };
    const { providers } = record;
    hop(SPAN.asr, marks.inputEndedAt, record.input === 'speech' ? marks.transcriptAt : undefined, {
      ...(providers.asr ? { 'visemo.provider': providers.asr } : {}),
      ...(record.user ? { 'visemo.asr.understood': record.user.understood } : {}),
    });
    hop(SPAN.nlu, marks.transcriptAt, marks.nluAt, {
      ...(record.nlu?.intent ? { 'visemo.nlu.intent': record.nlu.intent } : {}),
    });
    const byModel = record.answeredBy === 'llm';
    hop(byModel ? SPAN.llm : SPAN.dialogue, marks.nluAt ?? marks.inputEndedAt, marks.firstTextAt, {
      ...(record.answeredBy ? { 'visemo.answered_by': record.answeredBy } : {}),
      ...(byModel && providers.llm ? { 'visemo.provider': providers.llm } : {}),
    });
    hop(SPAN.tts, marks.firstTextAt, marks.firstAudioAt, {
      ...(providers.tts ? { 'visemo.provider': providers.tts } : {}),
    });
    hop(SPAN.audio, marks.firstAudioAt, marks.lastAudioAt, {});
    root.end(at(marks.endedAt));

    this.turns.set(record.turnId, {
      context: root.spanContext(),
      firstAudioAt: marks.firstAudioAt === undefined ? null : at(marks.firstAudioAt),
    });
    this.forgetBefore(record.turnId - KEPT_TURNS);
    const pending = this.pendingTimings.get(record.turnId);
    if (pending) {
      this.pendingTimings.delete(record.turnId);
      this.clientTiming(pending);
    }
  }

  /**
   * The client's report of a turn's first sample played and first viseme rendered. It may come
   * before the turn has ended (a long reply is still being sent); it is then kept until it has.
   */
  clientTiming(timing: ClientTimingMessage): void {
    const traced = this.turns.get(timing.turnId);
    if (!traced) {
      if (timing.turnId <= this.newestTurn() - KEPT_TURNS) return;
      // Bounded: a client that reports turns that never come must not grow it.
      if (this.pendingTimings.size >= KEPT_TURNS) {
        this.pendingTimings.delete(this.pendingTimings.keys().next().value as number);
      }
      this.pendingTimings.set(timing.turnId, timing);
      return;
    }
    if (traced.firstAudioAt === null) return;
    const parent = trace.setSpanContext(ROOT_CONTEXT, traced.context);
    const attributes = {
      ...this.identity(timing.turnId),
      // The client counts from receiving the chunk, the server from sending it.
      'visemo.client.delay_from': 'first_audio_chunk_received',
    };
    for (const [name, delay] of [
      [SPAN.clientSample, timing.firstSampleAtMs],
      [SPAN.clientViseme, timing.firstVisemeAtMs],
    ] as const) {
      if (delay === undefined) continue;
      const start = traced.firstAudioAt;
      this.tracer.startSpan(name, { startTime: start, attributes }, parent).end(start + delay);
    }
  }

  private rootAttributes(record: TurnRecord): Attributes {
    const attributes: Attributes = {
      ...this.identity(record.turnId),
      'visemo.turn.input': record.input,
      'visemo.turn.interrupted': record.interrupted,
    };
    if (record.answeredBy) attributes['visemo.answered_by'] = record.answeredBy;
    if (record.nlu?.intent) attributes['visemo.nlu.intent'] = record.nlu.intent;
    if (record.nlu) attributes['visemo.nlu.confidence'] = record.nlu.confidence;
    if (record.handoff !== undefined) attributes['visemo.handoff'] = true;
    for (const [key, ms] of Object.entries(record.latency)) {
      if (typeof ms === 'number') attributes[`visemo.latency.${key}`] = ms;
    }
    return attributes;
  }

  private identity(turnId: number): Attributes {
    return {
      'visemo.session.id': this.sessionId,
      'visemo.turn.id': turnId,
      ...(this.attributes.agent ? { 'visemo.agent': this.attributes.agent } : {}),
    };
  }

  private newestTurn(): number {
    let newest = -1;
    for (const id of this.turns.keys()) newest = Math.max(newest, id);
    return newest;
  }

  private forgetBefore(turnId: number): void {
    for (const id of this.turns.keys()) if (id < turnId) this.turns.delete(id);
    for (const id of this.pendingTimings.keys()) if (id < turnId) this.pendingTimings.delete(id);
  }
}
