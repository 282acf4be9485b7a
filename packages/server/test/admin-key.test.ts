import { ErrorCode } from '@visemo/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requireAdminKey } from '../src/auth/admin-key.js';

async function dummyAdminRoute(adminKey: string | undefined) {
  const app = Fastify();
  app.get('/v1/admin/ping', { preHandler: requireAdminKey(adminKey) }, async () => ({ pong: true }));
  return app;
}

describe('requireAdminKey', () => {
  it('lets the admin key through', async () => {
    const app = await dummyAdminRoute('admin-secret');
    const response = await app.inject({
      url: '/v1/admin/ping',
      headers: { authorization: 'Bearer admin-secret' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ pong: true });
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer admin-secreT' }],
    ['a key without the Bearer scheme', { authorization: 'admin-secret' }],
    ['a prefix of the key', { authorization: 'Bearer admin-' }],
  ])('refuses %s with 401 and never runs the handler', async (_what, headers) => {
    const app = await dummyAdminRoute('admin-secret');
    const response = await app.inject({ url: '/v1/admin/ping', headers });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json()).toMatchObject({ code: ErrorCode.Unauthorized });
    expect(response.body).not.toContain('pong');
  });

  it('refuses everyone when the server has no admin key', async () => {
    const app = await dummyAdminRoute(undefined);
    for (const authorization of ['Bearer ', 'Bearer undefined', 'Bearer anything']) {
      const response = await app.inject({ url: '/v1/admin/ping', headers: { authorization } });
      expect(response.statusCode).toBe(403);
      expect(response.json().message).toContain('VISEMO_ADMIN_KEY');
    }
  });
});
