import type { Context } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Turns kept by default: a few minutes of a busy server, a few hundred kilobytes. */
export const DEFAULT_RECENT_TRACES = 200;

/**
 * The most recent traces (one per turn), kept in memory so they can be looked at without a
 * collector: `GET /v1/admin/traces` serves them as OTLP/JSON, which `visemo trace` draws. A span
 * processor, the SDK's own extension point: ended spans arrive here as they end, beside any
 * exporter's processor. The oldest trace is dropped when a new one would exceed the capacity.
 */
export class RecentTraces implements SpanProcessor {
  private readonly traces = new Map<string, ReadableSpan[]>();

  constructor(readonly capacity: number = DEFAULT_RECENT_TRACES) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a whole number ≥ 1: ${capacity}`);
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const spans = this.traces.get(traceId);
    if (spans) {
      spans.push(span);
      return;
    }
    this.traces.set(traceId, [span]);
    if (this.traces.size > this.capacity) {
      const oldest = this.traces.keys().next().value as string;
      this.traces.delete(oldest);
    }
  }

  /** Traces held now. */
  get size(): number {
    return this.traces.size;
  }

  /** The spans of the `limit` most recent traces, oldest trace first. */
  spans(limit: number = this.capacity): ReadableSpan[] {
    const traces = [...this.traces.values()];
    return traces.slice(Math.max(0, traces.length - limit)).flat();
  }

  /** The same as an OTLP/JSON `ExportTraceServiceRequest`, as a collector would receive it. */
  otlpJson(limit?: number): unknown {
    const bytes = JsonTraceSerializer.serializeRequest(this.spans(limit));
    return bytes ? JSON.parse(new TextDecoder().decode(bytes)) : { resourceSpans: [] };
  }

  clear(): void {
    this.traces.clear();
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
