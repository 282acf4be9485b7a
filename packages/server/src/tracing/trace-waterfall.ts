import { SPAN } from './session-tracer.js';
import { renderWaterfall, type WaterfallSetup } from './waterfall-svg.js';

/** One span of a traced turn, in ms from the turn's start. */
export interface TurnHop {
  name: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
}

/** One turn's trace, read back from OTLP/JSON. */
export interface TracedTurn {
  traceId: string;
  sessionId: string | null;
  turnId: number | null;
  /** Epoch ms of the turn's start: the VAD's end of speech, the text's arrival. */
  startedAt: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean>;
  /** The turn's child spans in the order they started. */
  hops: TurnHop[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpRequest {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/**
 * The turns of an OTLP/JSON `ExportTraceServiceRequest` (as `GET /v1/admin/traces` serves it, or
 * as a collector's file exporter writes it, one request per line), oldest first. Traces without a
 * `visemo.turn` root are left out.
 */
export function tracedTurns(...requests: unknown[]): TracedTurn[] {
  const byTrace = new Map<string, OtlpSpan[]>();
  for (const request of requests) {
    for (const resource of (request as OtlpRequest).resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const spans = byTrace.get(span.traceId) ?? [];
          spans.push(span);
          byTrace.set(span.traceId, spans);
        }
      }
    }
  }
  const turns: TracedTurn[] = [];
  for (const [traceId, spans] of byTrace) {
    const root = spans.find((s) => s.name === SPAN.turn && !s.parentSpanId);
    if (!root) continue;
    const start = nanos(root.startTimeUnixNano);
    const attributes = attributesOf(root);
    const hops = spans
      .filter((s) => s !== root)
      .map((s) => ({
        name: s.name,
        startMs: Number(nanos(s.startTimeUnixNano) - start) / 1e6,
        durationMs: Number(nanos(s.endTimeUnixNano) - nanos(s.startTimeUnixNano)) / 1e6,
        attributes: attributesOf(s),
      }))
      .sort((a, b) => a.startMs - b.startMs || pipelineIndex(a.name) - pipelineIndex(b.name));
    turns.push({
      traceId,
      sessionId: typeof attributes['visemo.session.id'] === 'string' ? attributes['visemo.session.id'] : null,
      turnId: typeof attributes['visemo.turn.id'] === 'number' ? attributes['visemo.turn.id'] : null,
      startedAt: Number(start / 1_000_000n),
      durationMs: Number(nanos(root.endTimeUnixNano) - start) / 1e6,
      attributes,
      hops,
    });
  }
  return turns.sort((a, b) => a.startedAt - b.startedAt);
}

/** A turn as lines for a terminal: a heading, then one bar per hop on a shared time axis. */
export function formatTurnWaterfall(turn: TracedTurn, width = 48): string {
  const a = turn.attributes;
  const heading = [
    `turn ${turn.turnId ?? '?'}`,
    turn.sessionId ? `session ${turn.sessionId.slice(0, 8)}` : null,
    typeof a['visemo.turn.input'] === 'string' ? a['visemo.turn.input'] : null,
    typeof a['visemo.nlu.intent'] === 'string' ? `intent ${a['visemo.nlu.intent']}` : null,
    typeof a['visemo.answered_by'] === 'string' ? `answered by ${a['visemo.answered_by']}` : null,
    a['visemo.turn.interrupted'] === true ? 'interrupted' : null,
    new Date(turn.startedAt).toISOString().replace('T', ' ').slice(0, 23),
  ].filter((part) => part !== null);
  const end = Math.max(turn.durationMs, ...turn.hops.map((h) => h.startMs + h.durationMs), 1e-3);
  const column = (ms: number) => Math.min(width, Math.round((ms / end) * width));
  const nameWidth = Math.max(20, ...turn.hops.map((h) => h.name.length + 1));
  const lines = [heading.join(' · ')];
  for (const hop of [...turn.hops, { name: 'turn', startMs: 0, durationMs: turn.durationMs }]) {
    const from = column(hop.startMs);
    const to = Math.max(from + 1, column(hop.startMs + hop.durationMs));
    const bar = `${' '.repeat(from)}${'█'.repeat(Math.min(to, width + 1) - from)}`.padEnd(width + 1);
    lines.push(
      `  ${hop.name.padEnd(nameWidth)}${bar} ${formatMs(hop.durationMs).padStart(9)}  @${formatMs(hop.startMs)}`,
    );
  }
  return lines.join('\n');
}

/** Traced turns as one SVG waterfall, one block per turn. */
export function turnWaterfallSvg(turns: TracedTurn[], title = 'Traced turns'): string {
  const setups: WaterfallSetup[] = turns.map((turn) => ({
    label: `turn ${turn.turnId ?? '?'}${turn.sessionId ? ` of session ${turn.sessionId.slice(0, 8)}` : ''}`,
    hops: turn.hops.map((hop) => ({
      name: hop.name,
      p50: hop.durationMs,
      p95: hop.durationMs,
      startMs: hop.startMs,
      colorIndex: pipelineIndex(hop.name),
    })),
    total: { name: 'turn', p50: turn.durationMs, p95: turn.durationMs },
  }));
  const longest = Math.max(
    10,
    ...turns.flatMap((t) => [t.durationMs, ...t.hops.map((h) => h.startMs + h.durationMs)]),
  );
  return renderWaterfall(setups, {
    title,
    scaleMs: niceScale(longest),
    caption:
      "bars: each span of the turn's trace where it started, from the end of the person's input (the VAD's end of speech, a typed text's arrival)",
  });
}

/** Hops that start together are listed in the pipeline's order, the client's last. */
const PIPELINE: string[] = [
  SPAN.asr,
  SPAN.nlu,
  SPAN.dialogue,
  SPAN.llm,
  SPAN.tts,
  SPAN.audio,
  SPAN.clientSample,
  SPAN.clientViseme,
];

function pipelineIndex(name: string): number {
  const at = PIPELINE.indexOf(name);
  return at === -1 ? PIPELINE.length : at;
}

function formatMs(ms: number): string {
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

/** A round right edge for a time axis that holds `ms`. */
export function niceScale(ms: number): number {
  for (const step of [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000])
    if (ms <= step * 8) return Math.ceil(ms / step) * step;
  return Math.ceil(ms / 10_000) * 10_000;
}

function nanos(value: string | number): bigint {
  return BigInt(value);
}

function attributesOf(span: OtlpSpan): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of span.attributes ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
  }
  return out;
}
