import type { FastifyInstance } from 'fastify';
import type { AdminGuard } from '../auth/admin-key.js';
import type { Tracing } from './tracing.js';

export interface TraceRoutesOptions {
  tracing: Tracing;
  requireAdmin: AdminGuard;
}

/**
 * `GET /v1/admin/traces?limit=N`: the most recent turns' traces as OTLP/JSON (an
 * `ExportTraceServiceRequest`), behind the admin key. What `visemo trace` draws; any OTLP tool
 * reads it too.
 */
export async function traceRoutes(app: FastifyInstance, options: TraceRoutesOptions): Promise<void> {
  app.get<{ Querystring: { limit?: number } }>(
    '/v1/admin/traces',
    {
      preHandler: options.requireAdmin,
      schema: {
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 10_000 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => options.tracing.recent.otlpJson(request.query.limit),
  );
}
