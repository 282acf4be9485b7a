import type { ClientTimingMessage } from '@visemo/core';
import type { ProviderEvent } from '@visemo/providers';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnLatency } from '../protocol/server-events.js';

/** Bucket bounds in seconds: fine below 300 ms, where the latency targets sit. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

/** A provider call spans a model's first token to a whole streamed answer: up to tens of seconds. */
const PROVIDER_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20, 30];

export type ProviderCall = Extract<ProviderEvent, { type: 'provider-call' }>;

/** A provider report that feeds the metrics rather than a session's notices. */
export function isProviderCall(event: { type: string }): event is ProviderCall {
  return event.type === 'provider-call';
}

const HOPS: Record<keyof TurnLatency, string> = {
  asrFinalMs: 'asr_final',
  nluMs: 'nlu',
  dialogueMs: 'dialogue',
  ttsFirstAudioMs: 'tts_first_audio',
  speechEndToFirstAudioMs: 'speech_end_to_first_audio',
};

/**
 * Prometheus metrics of one server: per-hop latency histograms, turns, sessions, errors, each
 * provider's time to first byte, call time and billed usage (from the fallback chains'
 * `provider-call` reports), and the process metrics (CPU, memory, event-loop delay: the first sign
 * of a server past its capacity).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
  private readonly hopSeconds = new Histogram({
    name: 'visemo_turn_hop_seconds',
    help: 'Latency of each pipeline hop per turn',
    labelNames: ['hop'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly turns = new Counter({
    name: 'visemo_turns_total',
    help: 'Turns finished, by whether they were interrupted',
    labelNames: ['interrupted'],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'visemo_errors_total',
    help: 'Error events sent to clients, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly providerFirstByte = new Histogram({
    name: 'visemo_provider_first_byte_seconds',
    help: "Time to a provider's first streamed part (a synthesizer's audio, which comes whole)",
    labelNames: ['kind', 'provider'],
    buckets: PROVIDER_BUCKETS,
    registers: [this.registry],
  });
  private readonly providerCallSeconds = new Histogram({
    name: 'visemo_provider_call_seconds',
    help: 'Duration of provider calls, by outcome (ok, failed, aborted)',
    labelNames: ['kind', 'provider', 'outcome'],
    buckets: PROVIDER_BUCKETS,
    registers: [this.registry],
  });
  private readonly providerUsage = new Counter({
    name: 'visemo_provider_usage_total',
    help: 'What providers bill, by unit: input_tokens, output_tokens, characters, audio_seconds',
    labelNames: ['kind', 'provider', 'unit'],
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'visemo_sessions',
    help: 'Sessions open now',
    registers: [this.registry],
  });
  readonly unstarted = new Gauge({
    name: 'visemo_unstarted_connections',
    help: 'Connections open now that have not sent session.start',
    registers: [this.registry],
  });
  private readonly feedback = new Counter({
    name: 'visemo_feedback_total',
    help: "People's ratings of answers (client.feedback), by rating",
    labelNames: ['rating'],
    registers: [this.registry],
  });
  private readonly internalErrors = new Counter({
    name: 'visemo_internal_errors_total',
    help: 'Unexpected errors inside sessions: faults of the server, each logged with its stack',
    registers: [this.registry],
  });

  recordTurn(latency: TurnLatency, interrupted: boolean): void {
    this.turns.inc({ interrupted: String(interrupted) });
    for (const [key, hop] of Object.entries(HOPS) as [keyof TurnLatency, string][]) {
      const ms = latency[key];
      if (typeof ms === 'number') this.hopSeconds.observe({ hop }, ms / 1000);
    }
  }

  /**
   * The client's own hops: its first sample played and first viseme rendered, counted from its
   * receipt of the turn's first audio chunk (`client.timing`).
   */
  recordClientTiming(timing: ClientTimingMessage): void {
    if (timing.firstSampleAtMs !== undefined)
      this.hopSeconds.observe({ hop: 'client_first_sample' }, timing.firstSampleAtMs / 1000);
    if (timing.firstVisemeAtMs !== undefined)
      this.hopSeconds.observe({ hop: 'client_first_viseme' }, timing.firstVisemeAtMs / 1000);
  }

  recordFeedback(rating: 'up' | 'down'): void {
    this.feedback.inc({ rating });
  }

  recordError(code: string): void {
    this.errors.inc({ code });
  }

  recordInternalError(): void {
    this.internalErrors.inc();
  }

  recordProviderCall(call: ProviderCall): void {
    const { kind, provider } = call;
    if (call.firstByteMs !== undefined)
      this.providerFirstByte.observe({ kind, provider }, call.firstByteMs / 1000);
    this.providerCallSeconds.observe({ kind, provider, outcome: call.outcome }, call.durationMs / 1000);
    const usage = call.usage;
    if (!usage) return;
    const units: [string, number][] =
      'inputTokens' in usage
        ? [
            ['input_tokens', usage.inputTokens],
            ['output_tokens', usage.outputTokens],
          ]
        : 'characters' in usage
          ? [['characters', usage.characters]]
          : [['audio_seconds', usage.audioSeconds]];
    for (const [unit, amount] of units)
      if (amount > 0) this.providerUsage.inc({ kind, provider, unit }, amount);
  }
}
