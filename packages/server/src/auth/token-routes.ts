import rateLimit from '@fastify/rate-limit';
import { ErrorCode } from '@visemo/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SharedRateLimits } from '../http/security.js';
import { refuse } from './admin-key.js';
import { addressKey } from './keyed-limits.js';
import { isLoopbackAddress, isLoopbackHostHeader } from './loopback.js';
import { SecretSet } from './secret-match.js';
import { ANONYMOUS_SUBJECT, type SessionTokens } from './session-tokens.js';
import { bearerCredential } from './subprotocol.js';

export interface TokenRouteOptions {
  tokens: SessionTokens;
  /** Keys of the embedding sites' back ends, which ask for tokens. */
  apiKeys: readonly string[];
  /** `GET /v1/dev-token` for pages on this machine (dev mode). */
  devTokens: boolean;
  /** Tokens per API key and minute. Default 600. */
  tokensPerMinute?: number;
  /** Requests per address and minute without a valid API key, and for dev tokens. Default 30. */
  attemptsPerMinute?: number;
  /** Counted in Redis, so the limits hold for all replicas together; in memory otherwise. */
  shared?: SharedRateLimits;
}

const TOKEN_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** The embedding site's id of its user; the token carries a pseudonym of it. */
    subject: { type: 'string', minLength: 1, maxLength: 256 },
    agent: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

/** `POST /v1/tokens` for back ends with an API key, and in dev mode `GET /v1/dev-token`. */
export async function tokenRoutes(app: FastifyInstance, options: TokenRouteOptions): Promise<void> {
  const apiKeys = new SecretSet(options.apiKeys);
  const keyIndex = (request: FastifyRequest) =>
    apiKeys.indexOf(bearerCredential(request.headers.authorization));
  const tokensPerMinute = options.tokensPerMinute ?? 600;
  const attemptsPerMinute = options.attemptsPerMinute ?? 30;

  await app.register(rateLimit, {
    global: false,
    ...(options.shared ? { redis: options.shared.redis, nameSpace: options.shared.prefix } : {}),
    // One back end asks for all of its users: its key gets the budget; a caller without a valid
    // key is counted by address, so guessing keys is slow.
    keyGenerator: (request) => {
      const index = keyIndex(request);
      return index === -1 ? `ip:${addressKey(request.ip)}` : `key:${index}`;
    },
    max: (_request, key) => (key.startsWith('key:') ? tokensPerMinute : attemptsPerMinute),
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) => ({
      statusCode: context.statusCode,
      code: ErrorCode.RateLimited,
      error: 'Too Many Requests',
      message: `too many requests; try again in ${context.after}`,
    }),
  });

  app.post<{ Body: { subject?: string; agent?: string } | undefined }>(
    '/v1/tokens',
    {
      schema: { body: TOKEN_BODY },
      config: { rateLimit: {} },
      // The body is optional; the schema then checks an empty one.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      if (apiKeys.size === 0 || keyIndex(request) === -1) {
        reply.header('www-authenticate', 'Bearer');
        return refuse(reply, 401, 'an API key is needed: Authorization: Bearer <key>');
      }
      const body = request.body ?? {};
      reply.header('cache-control', 'no-store');
      return options.tokens.issue({
        ...(body.subject !== undefined ? { externalId: body.subject } : {}),
        ...(body.agent !== undefined ? { agent: body.agent } : {}),
      });
    },
  );

  if (options.devTokens) {
    app.get<{ Querystring: { subject?: string } }>(
      '/v1/dev-token',
      {
        // The page keeps its anonymous subject and asks for it again, so what the agent remembers
        // of the visitor (with consent) is there on the next visit. Only anonymous ids: a derived
        // one (`s_…`) stands for a site's user and is only given to that site's back end.
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { subject: { type: 'string', pattern: ANONYMOUS_SUBJECT.source } },
          },
        },
        config: { rateLimit: { max: attemptsPerMinute, keyGenerator: (r) => `dev:${r.ip}` } },
      },
      async (request, reply) => {
        const why = devTokenRefusal(request);
        if (why) return refuse(reply, 403, why);
        reply.header('cache-control', 'no-store');
        const { subject } = request.query;
        return options.tokens.issue(subject === undefined ? {} : { anonymous: subject });
      },
    );
  }
}

/**
 * Dev tokens go to pages of this server on this machine only: the peer is loopback (not a proxy
 * address: the socket's own), the Host header names this machine (a rebound DNS name does not),
 * and the browser says the request is same-origin where it says anything.
 */
function devTokenRefusal(request: FastifyRequest): string | null {
  if (!isLoopbackAddress(request.socket.remoteAddress)) return 'dev tokens are for this machine only';
  if (!isLoopbackHostHeader(request.headers.host)) return 'dev tokens are for localhost pages only';
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return 'dev tokens are for this page only';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.headers.host}`) {
    return 'dev tokens are for this page only';
  }
  return null;
}
