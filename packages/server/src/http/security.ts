import helmet from '@fastify/helmet';
import { loggerRedaction, withoutQuery } from '@visemo/privacy';
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { WebSocket } from 'ws';
import { type AdminGuard, requireAdminKey } from '../auth/admin-key.js';
import { ConnectionGate, type ConnectionLimits } from '../auth/connection-gate.js';
import { type SessionClaims, SessionTokens } from '../auth/session-tokens.js';
import { selectProtocol } from '../auth/subprotocol.js';
import { tokenRoutes } from '../auth/token-routes.js';
import { helmetOptions, type SecurityHeaderOptions } from './security-headers.js';

export interface AuthOptions {
  /** The HS256 key session tokens are signed with (VISEMO_TOKEN_SECRET), at least 32 bytes. */
  tokenSecret: string | Uint8Array;
  /** Keys that may ask `POST /v1/tokens` for tokens (VISEMO_API_KEYS). */
  apiKeys?: readonly string[];
  /** The key of pseudonymous subject ids (VISEMO_SUBJECT_KEY); derived from the secret if absent. */
  subjectKey?: string | Uint8Array;
  /** The tokens' `aud`. Default `visemo`. */
  audience?: string;
  /** Default 600. */
  tokenTtlSeconds?: number;
  /** Origins besides the server's own whose pages may connect (VISEMO_ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
  /** Serve `GET /v1/dev-token` to pages on this machine. */
  devTokens?: boolean;
  limits?: ConnectionLimits & { tokensPerMinute?: number; tokenAttemptsPerMinute?: number };
  /** The clock, in ms; tests move it. */
  now?: () => number;
}

export interface ServerSecurityOptions {
  /**
   * Session tokens, allowed origins and connection limits for `/v1/ws`. Absent, every connection
   * is admitted, as an embedded or test server wants; `visemo serve` always sets it (see
   * `securityFromEnvironment`).
   */
  auth?: AuthOptions;
  /** The key admin and data routes ask for (VISEMO_ADMIN_KEY); without it they refuse everyone. */
  adminKey?: string;
  /** Security headers on every answer; `false` where a proxy in front sets its own. */
  securityHeaders?: SecurityHeaderOptions | false;
  /** Behind a proxy: whose X-Forwarded-For to believe, as Fastify's `trustProxy`. */
  trustProxy?: FastifyServerOptions['trustProxy'];
}

export interface ServerSecurity {
  /** On a new socket: false when it was refused (told why, and closed). */
  admit(socket: WebSocket, request: FastifyRequest): boolean;
  /** The token claims of an admitted socket; undefined on an open server. */
  claimsOf(request: FastifyRequest): SessionClaims | undefined;
  /** preHandler for admin and data routes. */
  requireAdmin: AdminGuard;
  /**
   * The claims of a session token (as a data route gets it in `Authorization: Bearer`), checked as
   * the WebSocket checks it; a `VisemoError` `unauthorized` otherwise. Absent on an open server.
   */
  verifyToken?: (token: string) => Promise<SessionClaims>;
}

/** ws options of the WebSocket server: the subprotocol the token travels beside. */
export const websocketSecurity = { handleProtocols: selectProtocol };

/** Where rate limits are counted when replicas share them. */
export interface SharedRateLimits {
  redis: Redis;
  prefix: string;
}

/**
 * Headers, token routes and the WebSocket gate, registered on the root instance; the token
 * routes' limits counted in `shared` when given.
 */
export async function registerSecurity(
  app: FastifyInstance,
  options: ServerSecurityOptions,
  shared?: SharedRateLimits,
): Promise<ServerSecurity> {
  if (options.securityHeaders !== false) await app.register(helmet, helmetOptions(options.securityHeaders));
  const requireAdmin = requireAdminKey(options.adminKey);
  const auth = options.auth;
  if (!auth) {
    // An open server needs no token: the page's token fetch learns that without a 404 to log.
    app.get('/v1/dev-token', async (_request, reply) =>
      reply.code(204).header('cache-control', 'no-store').send(),
    );
    return { admit: () => true, claimsOf: () => undefined, requireAdmin };
  }

  const tokens = new SessionTokens({
    secret: auth.tokenSecret,
    ...(auth.subjectKey !== undefined ? { subjectKey: auth.subjectKey } : {}),
    ...(auth.audience !== undefined ? { audience: auth.audience } : {}),
    ...(auth.tokenTtlSeconds !== undefined ? { ttlSeconds: auth.tokenTtlSeconds } : {}),
    ...(auth.now ? { now: auth.now } : {}),
  });
  const gate = new ConnectionGate({
    tokens,
    ...(auth.allowedOrigins ? { allowedOrigins: auth.allowedOrigins } : {}),
    ...(auth.limits ? { limits: auth.limits } : {}),
    ...(auth.now ? { now: auth.now } : {}),
  });
  await app.register(tokenRoutes, {
    tokens,
    apiKeys: auth.apiKeys ?? [],
    devTokens: auth.devTokens ?? false,
    ...(shared ? { shared } : {}),
    ...(auth.limits?.tokensPerMinute !== undefined ? { tokensPerMinute: auth.limits.tokensPerMinute } : {}),
    ...(auth.limits?.tokenAttemptsPerMinute !== undefined
      ? { attemptsPerMinute: auth.limits.tokenAttemptsPerMinute }
      : {}),
  });
  app.addHook('preValidation', async (request) => {
    if (request.ws) await gate.check(request);
  });
  return {
    admit: (socket, request) => gate.admit(socket, request),
    claimsOf: (request) => gate.claimsOf(request),
    requireAdmin,
    verifyToken: (token) => tokens.verify(token),
  };
}

/**
 * The server's logger options with personal data and credentials redacted (@visemo/privacy):
 * whatever the caller configured, plus the redaction.
 */
export function redactedLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const redaction = loggerRedaction();
  // The WebSocket plugin logs an upgrade to a path without a WebSocket route as `{ path: url }`.
  const path = (value: unknown) => (typeof value === 'string' ? withoutQuery(value) : value);
  redaction.serializers = { path, url: path, ...redaction.serializers };
  if (logger === true) return redaction;
  const own = logger.redact;
  const ownPaths = Array.isArray(own) ? own : (own?.paths ?? []);
  return {
    ...redaction,
    ...logger,
    redact: {
      ...redaction.redact,
      ...(Array.isArray(own) ? {} : own),
      paths: [...redaction.redact.paths, ...ownPaths],
    },
    serializers: { ...redaction.serializers, ...logger.serializers },
    hooks: { ...redaction.hooks, ...logger.hooks },
  };
}
