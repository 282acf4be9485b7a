import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { DEFAULT_RECENT_TRACES, RecentTraces } from './recent-traces.js';
import { SessionTracer } from './session-tracer.js';

export interface TracingOptions {
  /**
   * Where the OTLP exporter's settings are read: it is on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
   * or OTEL_EXPORTER_OTLP_ENDPOINT is set and OTEL_TRACES_EXPORTER is not `none`; the exporter
   * itself then reads the standard OTEL_EXPORTER_OTLP_* variables (headers, timeout) from
   * `process.env`. Default `process.env`.
   */
  env?: Record<string, string | undefined>;
  /** Export to this OTLP/HTTP traces URL whatever the environment says (e.g. a test's receiver). */
  otlpUrl?: string;
  /** More span processors, e.g. a test's `SimpleSpanProcessor(new InMemorySpanExporter())`. */
  processors?: SpanProcessor[];
  /** Turns kept in memory for `GET /v1/admin/traces` and `visemo trace`. Default 200. */
  recentTraces?: number;
  /** `service.version` of the resource. */
  serviceVersion?: string;
}

/**
 * The server's tracing: an OpenTelemetry tracer provider of its own (not registered globally, so
 * an embedding application's is left alone) whose spans go to the recent-traces ring and, when
 * configured, to an OTLP/HTTP collector in batches. One trace per turn (session-tracer.ts).
 */
export class Tracing {
  readonly recent: RecentTraces;
  readonly tracer: Tracer;
  /** The OTLP endpoint spans are exported to, or null when they stay in this process. */
  readonly otlpEndpoint: string | null;
  private readonly provider: BasicTracerProvider;

  constructor(options: TracingOptions = {}) {
    const env = options.env ?? process.env;
    this.recent = new RecentTraces(options.recentTraces ?? DEFAULT_RECENT_TRACES);
    const processors: SpanProcessor[] = [this.recent, ...(options.processors ?? [])];
    this.otlpEndpoint = options.otlpUrl ?? otlpEndpointOf(env);
    if (this.otlpEndpoint !== null) {
      const exporter: SpanExporter = new OTLPTraceExporter({ url: this.otlpEndpoint });
      processors.push(new BatchSpanProcessor(exporter));
    }
    const resource = resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'visemo',
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }).merge(detectResources({ detectors: [envDetector] }));
    this.provider = new BasicTracerProvider({ resource, spanProcessors: processors });
    this.tracer = this.provider.getTracer('@visemo/server');
  }

  /** The spans of one session's turns. */
  forSession(attributes: { agent?: string } = {}): SessionTracer {
    return new SessionTracer(this.tracer, attributes);
  }

  /** Sends what is batched now. */
  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Flushes and stops the exporters. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The traces endpoint the standard variables name, or null when OTLP export is off. */
export function otlpEndpointOf(env: Record<string, string | undefined>): string | null {
  if (env.OTEL_TRACES_EXPORTER?.split(',').some((name) => name.trim() === 'none')) return null;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // The specification's rule: the signal's path is appended to the base endpoint.
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : null;
}
