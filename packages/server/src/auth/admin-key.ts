import { ErrorCode } from '@visemo/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SecretSet } from './secret-match.js';
import { bearerCredential } from './subprotocol.js';

export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * A preHandler for admin and data routes: `Authorization: Bearer <admin key>`. Without a
 * configured key every request is refused: such routes are never open by accident.
 */
export function requireAdminKey(adminKey: string | undefined): AdminGuard {
  const keys = new SecretSet(adminKey ? [adminKey] : []);
  return async (request, reply) => {
    if (keys.size === 0) {
      return refuse(reply, 403, 'admin routes are off: the server has no admin key (VISEMO_ADMIN_KEY)');
    }
    if (keys.indexOf(bearerCredential(request.headers.authorization)) === -1) {
      reply.header('www-authenticate', 'Bearer');
      return refuse(reply, 401, 'this route needs the admin key');
    }
  };
}

/** An error reply in Fastify's own shape, with the protocol's error code. */
export function refuse(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({
    statusCode,
    code: ErrorCode.Unauthorized,
    error: statusCode === 403 ? 'Forbidden' : 'Unauthorized',
    message,
  });
}
