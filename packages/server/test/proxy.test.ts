import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { securityFromEnvironment } from '../src/auth/environment.js';
import { createServer, type ServerOptions } from '../src/http/server.js';
import { openSession, probeSocket } from './support/socket-probe.js';
import { stubRuntime } from './support/stub-runtime.js';

/** X-Forwarded-* are believed only from a proxy the operator named (VISEMO_TRUST_PROXY). */

const SECRET = 'a token secret of at least thirty-two bytes';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(extra: Partial<ServerOptions>) {
  app = await createServer({
    runtime: stubRuntime(),
    auth: { tokenSecret: SECRET, apiKeys: ['k'], limits: { connectionsPerIp: 1 } },
    ...extra,
  });
  const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  const server = app;
  const token = async () =>
    (
      (
        await server.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: 'Bearer k' } })
      ).json() as {
        token: string;
      }
    ).token;
  return { ws, token };
}

describe('behind a proxy', () => {
  it('trusts no proxy unless VISEMO_TRUST_PROXY names one', () => {
    expect(securityFromEnvironment({}, { host: '127.0.0.1' }).options.trustProxy).toBeUndefined();
    expect(
      securityFromEnvironment({ VISEMO_TRUST_PROXY: '10.0.0.5' }, { host: '127.0.0.1' }).options.trustProxy,
    ).toEqual(['10.0.0.5']);
  });

  it('ignores X-Forwarded-For and X-Forwarded-Host from an untrusted peer', async () => {
    const { ws, token } = await serve({});
    const first = await openSession(ws, await token(), { 'x-forwarded-for': '203.0.113.1' });
    // Another "client" behind the same peer shares its address's single place.
    const second = await probeSocket(ws, {
      protocols: ['visemo.v1', `visemo.token.${await token()}`],
      headers: { 'x-forwarded-for': '203.0.113.2' },
    });
    expect(second.events[0]).toMatchObject({ code: 'connection_limit' });
    await first.close();
    // A page of another site cannot pass as the server's own by naming it in X-Forwarded-Host.
    const forged = await probeSocket(ws, {
      protocols: ['visemo.v1', `visemo.token.${await token()}`],
      headers: { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' },
    });
    expect(forged.events[0]).toMatchObject({ code: 'origin_not_allowed' });
  });

  it('counts clients by X-Forwarded-For, and checks the origin against X-Forwarded-Host, from a trusted proxy', async () => {
    const { ws, token } = await serve({ trustProxy: ['127.0.0.1'] });
    const first = await openSession(ws, await token(), { 'x-forwarded-for': '203.0.113.1' });
    const second = await openSession(ws, await token(), {
      'x-forwarded-for': '203.0.113.2',
      origin: 'https://avatar.example',
      'x-forwarded-host': 'avatar.example',
    });
    await second.close();
    await first.close();
  });
});
