import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { TurnLatency } from '../protocol/server-events.js';

/** Bucket bounds in seconds: fine below 300 ms, where the latency targets sit. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];

const HOPS: Record<keyof TurnLatency, string> = {
  asrFinalMs: 'asr_final',
  nluMs: 'nlu',
  dialogueMs: 'dialogue',
  ttsFirstAudioMs: 'tts_first_audio',
  speechEndToFirstAudioMs: 'speech_end_to_first_audio',
};

/**
 * Prometheus metrics of one server: per-hop latency histograms, turns, sessions, errors, and the
 * process metrics (CPU, memory, event-loop delay: the first sign of a server past its capacity).
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
  readonly sessions = new Gauge({
    name: 'visemo_sessions',
    help: 'Sessions open now',
    registers: [this.registry],
  });

  recordTurn(latency: TurnLatency, interrupted: boolean): void {
    this.turns.inc({ interrupted: String(interrupted) });
    for (const [key, hop] of Object.entries(HOPS) as [keyof TurnLatency, string][]) {
      const ms = latency[key];
      if (typeof ms === 'number') this.hopSeconds.observe({ hop }, ms / 1000);
    }
  }

  recordError(code: string): void {
    this.errors.inc({ code });
  }
}
