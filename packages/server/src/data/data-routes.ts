import rateLimit from '@fastify/rate-limit';
import { ErrorCode, VisemoError } from '@visemo/core';
import type { Storage, StoredSubject } from '@visemo/storage';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { refuse } from '../auth/admin-key.js';
import { addressKey } from '../auth/keyed-limits.js';
import type { SessionClaims } from '../auth/session-tokens.js';
import { bearerCredential } from '../auth/subprotocol.js';
import type { ServerSecurity } from '../http/security.js';
import type { LiveSubjects } from './session-recorder.js';

export interface DataRouteOptions {
  storage: Storage;
  security: ServerSecurity;
  live: LiveSubjects;
  /** Requests per address and minute to `/v1/me/*`. Default 30. */
  subjectRequestsPerMinute?: number;
  /** Requests per address and minute to `/v1/admin/*`. Default 120. */
  adminRequestsPerMinute?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.UnknownSubject]: 404,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.StorageUnavailable]: 503,
};

const MEMORY_REPLY = {
  200: {
    type: 'object',
    properties: {
      facts: {
        type: 'array',
        items: {
          type: 'object',
          properties: { key: { type: 'string' }, value: { type: 'string' }, updatedAt: { type: 'string' } },
        },
      },
    },
  },
} as const;

const ERASE_REPLY = {
  200: {
    type: 'object',
    properties: { erased: { type: 'boolean' }, report: { type: 'object', additionalProperties: true } },
  },
} as const;

const SUBJECT_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const KEY_PARAMS = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

/**
 * The data rights over HTTP (docs/security.md, "Data routes"). A person's own data, with the session
 * token their page connects with: `GET|DELETE /v1/me/data` (export, Art. 15/20; erasure, Art. 17),
 * `GET /v1/me/memory`, `DELETE /v1/me/memory/:key`. An operator's, with the admin key:
 * `GET /v1/admin/subjects/:id/data`, `DELETE /v1/admin/subjects/:id`, `POST /v1/admin/retention/run`.
 * Every read and change is audited; an erasure stops what the subject's live sessions store.
 */
export async function dataRoutes(app: FastifyInstance, options: DataRouteOptions): Promise<void> {
  const { storage, security, live } = options;
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => `data:${addressKey(request.ip)}`,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => ({
      statusCode: context.statusCode,
      code: ErrorCode.RateLimited,
      error: 'Too Many Requests',
      message: `too many requests; try again in ${context.after}`,
    }),
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof VisemoError) {
      const statusCode = ERROR_STATUS[error.code] ?? 500;
      return reply.code(statusCode).send({
        statusCode,
        code: error.code,
        error: statusCode === 404 ? 'Not Found' : statusCode === 401 ? 'Unauthorized' : 'Error',
        message: statusCode === 500 ? 'internal error' : error.message,
      });
    }
    return reply.send(error);
  });

  const subjectLimit = { rateLimit: { max: options.subjectRequestsPerMinute ?? 30 } };
  const adminLimit = { rateLimit: { max: options.adminRequestsPerMinute ?? 120 } };
  const noStore = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
  };

  /** The subject of the request's session token, as stored; a reply already sent when refused. */
  const bearer = async (request: FastifyRequest, reply: FastifyReply): Promise<SessionClaims | null> => {
    if (!security.verifyToken) {
      refuse(
        reply,
        403,
        'this server has no session tokens (it runs without authentication): there is no "me"',
      );
      return null;
    }
    const token = bearerCredential(request.headers.authorization);
    if (token === undefined) {
      reply.header('www-authenticate', 'Bearer');
      refuse(reply, 401, 'a session token is needed: Authorization: Bearer <token>');
      return null;
    }
    return security.verifyToken(token);
  };
  const ownSubject = async (claims: SessionClaims): Promise<StoredSubject> => {
    const subject = await storage.subjects.findByExternalId(claims.subject);
    if (!subject) throw new VisemoError(ErrorCode.UnknownSubject, 'nothing is stored about you');
    return subject;
  };

  app.get('/v1/me/data', { config: subjectLimit, onRequest: noStore }, async (request, reply) => {
    const claims = await bearer(request, reply);
    if (!claims) return reply;
    const subject = await ownSubject(claims);
    return storage.exportSubject(subject.id, { actor: 'subject' });
  });

  app.delete(
    '/v1/me/data',
    { config: subjectLimit, onRequest: noStore, schema: { response: ERASE_REPLY } },
    async (request, reply) => {
      const claims = await bearer(request, reply);
      if (!claims) return reply;
      return erase(await storage.subjects.findByExternalId(claims.subject), 'subject');
    },
  );

  app.get(
    '/v1/me/memory',
    { config: subjectLimit, onRequest: noStore, schema: { response: MEMORY_REPLY } },
    async (request, reply) => {
      const claims = await bearer(request, reply);
      if (!claims) return reply;
      const subject = await storage.subjects.findByExternalId(claims.subject);
      const facts = subject ? await storage.memory.list(subject.id, { actor: 'subject' }) : [];
      return {
        facts: facts.map((f) => ({ key: f.key, value: f.value, updatedAt: f.updatedAt.toISOString() })),
      };
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/v1/me/memory/:key',
    { config: subjectLimit, onRequest: noStore, schema: { params: KEY_PARAMS } },
    async (request, reply) => {
      const claims = await bearer(request, reply);
      if (!claims) return reply;
      const subject = await ownSubject(claims);
      if (!(await storage.memory.delete(subject.id, request.params.key))) {
        throw new VisemoError(ErrorCode.UnknownSubject, 'nothing is remembered under that key');
      }
      await storage.audit.record({
        actor: 'subject',
        action: 'data.delete',
        subjectId: subject.id,
        details: { category: 'memory', facts: 1 },
      });
      return reply.code(204).send();
    },
  );

  const admin = { preHandler: security.requireAdmin, onRequest: noStore, config: adminLimit };

  app.get<{ Params: { id: string } }>(
    '/v1/admin/subjects/:id/data',
    { ...admin, schema: { params: SUBJECT_PARAMS } },
    async (request) => {
      const subject = await storedSubject(storage, request.params.id);
      if (!subject) throw new VisemoError(ErrorCode.UnknownSubject, `no stored subject ${request.params.id}`);
      return storage.exportSubject(subject.id, { actor: 'admin' });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/admin/subjects/:id',
    { ...admin, schema: { params: SUBJECT_PARAMS, response: ERASE_REPLY } },
    async (request) => erase(await storedSubject(storage, request.params.id), 'admin'),
  );

  app.post('/v1/admin/retention/run', admin, async () => storage.purgeExpired());

  async function erase(subject: StoredSubject | null, actor: string) {
    if (!subject) {
      // Nothing stored is nothing to erase: the request is honoured all the same.
      return { erased: true, report: { found: false } };
    }
    live.stop(subject.id);
    const report = await storage.eraseSubject(subject.id, { actor });
    return { erased: true, report };
  }
}

/** An admin names a subject by its stored id (a UUID) or as its tokens do (`a_…`, `s_…`). */
function storedSubject(storage: Storage, id: string): Promise<StoredSubject | null> {
  return UUID.test(id) ? storage.subjects.get(id) : storage.subjects.findByExternalId(id);
}
