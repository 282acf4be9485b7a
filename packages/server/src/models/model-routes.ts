import { ErrorCode, MODEL_KINDS, type ModelKind, VisemoError } from '@visemo/core';
import type { FastifyInstance } from 'fastify';
import type { AdminGuard } from '../auth/admin-key.js';
import type { ModelSelection } from './model-selection.js';

export interface ModelRoutesOptions {
  models: ModelSelection;
  requireAdmin: AdminGuard;
}

const actor = { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,60}$' } as const;
const reason = { type: 'string', maxLength: 500 } as const;
const kind = { type: 'string', enum: [...MODEL_KINDS] } as const;

const REFUSALS: Partial<Record<ErrorCode, [number, string]>> = {
  [ErrorCode.UnknownModelVersion]: [404, 'Not Found'],
  [ErrorCode.ModelUnavailable]: [409, 'Conflict'],
};

/**
 * The model registry of the served agent, behind the admin key: `GET /v1/admin/models` (its
 * versions, promotion history and what new sessions run now), `POST /v1/admin/models/promote`
 * `{ kind, version, actor?, reason? }` and `POST /v1/admin/models/rollback` `{ kind, actor?, reason? }`,
 * which apply to the next session without a restart and are audited as `admin:<actor>`.
 */
export async function modelRoutes(app: FastifyInstance, options: ModelRoutesOptions): Promise<void> {
  const { models, requireAdmin } = options;
  const actorOf = (name?: string) => `admin:${name ?? 'api'}`;
  // Encapsulated: only these routes answer a registry refusal with its own status rather than 500.
  app.setErrorHandler((error, _request, reply) => {
    const refusal = error instanceof VisemoError ? REFUSALS[error.code] : undefined;
    if (!refusal || !(error instanceof VisemoError)) return reply.send(error);
    const [statusCode, name] = refusal;
    return reply.code(statusCode).send({ statusCode, code: error.code, error: name, message: error.message });
  });

  app.get('/v1/admin/models', { preHandler: requireAdmin }, async () => {
    const { versions, history } = await models.list();
    return { agent: models.agent, running: models.current().versions, versions, history };
  });

  app.post<{ Body: { kind: ModelKind; version: number; actor?: string; reason?: string } }>(
    '/v1/admin/models/promote',
    {
      preHandler: requireAdmin,
      schema: {
        body: {
          type: 'object',
          required: ['kind', 'version'],
          properties: { kind, version: { type: 'integer', minimum: 1 }, actor, reason },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { kind: k, version, reason: why } = request.body;
      const promotion = await models.promote(k, version, actorOf(request.body.actor), why);
      return { promotion, running: models.current().versions };
    },
  );

  app.post<{ Body: { kind: ModelKind; actor?: string; reason?: string } }>(
    '/v1/admin/models/rollback',
    {
      preHandler: requireAdmin,
      schema: {
        body: {
          type: 'object',
          required: ['kind'],
          properties: { kind, actor, reason },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { kind: k, reason: why } = request.body;
      const promotion = await models.rollback(k, actorOf(request.body.actor), why);
      return { promotion, running: models.current().versions };
    },
  );
}
