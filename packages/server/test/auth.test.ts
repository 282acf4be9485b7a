import { ErrorCode } from '@visemo/core';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ServerOptions } from '../src/http/server.js';
import { openSession, probeSocket } from './support/socket-probe.js';
import { stubRuntime } from './support/stub-runtime.js';

const SECRET = 'a token secret of at least thirty-two bytes';
const API_KEY = 'site-backend-key-1';
const START = Date.parse('2025-03-01T12:00:00Z');

let clock = START;
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  clock = START;
});

async function serve(
  auth: Partial<NonNullable<ServerOptions['auth']>> = {},
  extra: Partial<ServerOptions> = {},
) {
  app = await createServer({
    runtime: stubRuntime(),
    auth: { tokenSecret: SECRET, apiKeys: [API_KEY], now: () => clock, ...auth },
    ...extra,
  });
  const http = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, http, ws: http.replace('http', 'ws') };
}

async function issue(
  server: FastifyInstance,
  body?: object,
): Promise<{ token: string; expiresAt: string; subject: string }> {
  const response = await server.inject({
    method: 'POST',
    url: '/v1/tokens',
    headers: { authorization: `Bearer ${API_KEY}` },
    ...(body ? { payload: body } : {}),
  });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('POST /v1/tokens', () => {
  it('refuses callers without a valid API key', async () => {
    const { app } = await serve();
    for (const headers of [{}, { authorization: 'Bearer wrong-key' }, { authorization: API_KEY }]) {
      const response = await app.inject({ method: 'POST', url: '/v1/tokens', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: ErrorCode.Unauthorized });
      expect(response.body).not.toContain('eyJ');
    }
  });

  it('issues a short-lived HS256 token with a pseudonymous subject, audience, expiry and id', async () => {
    const { app } = await serve();
    const issued = await issue(app, { subject: 'customer-1842', agent: 'support' });
    expect(issued.expiresAt).toBe('2025-03-01T12:10:00.000Z');
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({ sub: issued.subject, aud: 'visemo', iss: 'visemo', agent: 'support' });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
    expect(issued.subject).toMatch(/^s_[\w-]{22}$/);
    expect(issued.token).not.toContain('1842');
    expect(issued.subject).not.toContain('1842');

    const again = await issue(app, { subject: 'customer-1842' });
    expect(again.subject).toBe(issued.subject);
    expect(decodeJwt(again.token).jti).not.toBe(claims.jti);
    expect((await issue(app, { subject: 'customer-1843' })).subject).not.toBe(issued.subject);
  });

  it('gives each token without a subject a fresh anonymous one', async () => {
    const { app } = await serve();
    const a = await issue(app);
    const b = await issue(app);
    expect(a.subject).toMatch(/^a_[0-9a-f]{32}$/);
    expect(a.subject).not.toBe(b.subject);
  });

  it('puts no claim in a token that the caller names, and refuses an oversized subject', async () => {
    const { app } = await serve();
    const issued = await issue(app, { subject: 'x', admin: true, sub: 'root', exp: 9999999999 });
    const claims = decodeJwt(issued.token);
    expect(claims.admin).toBeUndefined();
    expect(claims.sub).toBe(issued.subject);
    expect(claims.exp).toBe(Math.floor(START / 1000) + 600);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: { subject: 'x'.repeat(257) },
    });
    expect(response.statusCode).toBe(400);
  });

  it('limits guesses per address, and counts a valid key on its own budget', async () => {
    const { app } = await serve({ limits: { tokenAttemptsPerMinute: 3, tokensPerMinute: 100 } });
    const guess = () =>
      app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: 'Bearer guess' } });
    for (let i = 0; i < 3; i++) expect((await guess()).statusCode).toBe(401);
    const limited = await guess();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: ErrorCode.RateLimited });
    await issue(app);
  });
});

describe('the WebSocket with authentication', () => {
  it('admits a token offered as a subprotocol and answers with visemo.v1', async () => {
    const { app, ws } = await serve();
    const { token } = await issue(app);
    const outcome = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`], start: true });
    expect(outcome.protocol).toBe('visemo.v1');
    expect(outcome.events.map((e) => e.type)).toEqual(['session.started']);
  });

  it('admits a token in an Authorization header, for clients that are not browsers', async () => {
    const { app, ws } = await serve();
    const { token } = await issue(app);
    const outcome = await probeSocket(ws, { headers: { authorization: `Bearer ${token}` }, start: true });
    expect(outcome.events.map((e) => e.type)).toEqual(['session.started']);
  });

  it.each([
    ['no token', () => ['visemo.v1'], 'a session token is needed'],
    ['a malformed token', () => ['visemo.v1', 'visemo.token.not-a-jwt'], 'not valid'],
  ])('refuses %s with unauthorized, then closes 1008', async (_what, protocols, message) => {
    const { ws } = await serve();
    const outcome = await probeSocket(ws, { protocols: protocols() });
    expect(outcome.events).toEqual([
      { type: 'error', code: ErrorCode.Unauthorized, message: expect.stringContaining(message), fatal: true },
    ]);
    expect(outcome.closeCode).toBe(1008);
  });

  it('refuses an expired token, and one signed with another key', async () => {
    const { app, ws } = await serve();
    const { token } = await issue(app);
    clock += 601_000;
    const expired = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`] });
    expect(expired.events[0]).toMatchObject({
      code: ErrorCode.Unauthorized,
      message: 'the session token has expired',
    });
    expect(expired.closeCode).toBe(1008);

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('visemo')
      .setAudience('visemo')
      .setSubject('a_forged')
      .setJti('x')
      .setExpirationTime(Math.floor(clock / 1000) + 60)
      .sign(new TextEncoder().encode('another secret, also thirty-two bytes long'));
    const refused = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${forged}`] });
    expect(refused.events[0]).toMatchObject({ code: ErrorCode.Unauthorized });
  });

  it('refuses a token for another audience', async () => {
    const other = await serve({ audience: 'staging' });
    const { token } = await issue(other.app);
    await other.app.close();
    const { ws } = await serve();
    const outcome = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`] });
    expect(outcome.events[0]).toMatchObject({ code: ErrorCode.Unauthorized });
  });

  it('refuses pages of other origins, and admits its own and the listed ones', async () => {
    const { app, http, ws } = await serve({ allowedOrigins: ['https://shop.example'] });
    const { token } = await issue(app);
    const protocols = ['visemo.v1', `visemo.token.${token}`];
    const evil = await probeSocket(ws, { protocols, headers: { origin: 'https://evil.example' } });
    expect(evil.events).toEqual([
      { type: 'error', code: ErrorCode.OriginNotAllowed, message: expect.any(String), fatal: true },
    ]);
    expect(evil.closeCode).toBe(1008);
    const sandboxed = await probeSocket(ws, { protocols, headers: { origin: 'null' } });
    expect(sandboxed.events[0]).toMatchObject({ code: ErrorCode.OriginNotAllowed });

    for (const origin of [http, 'https://shop.example']) {
      const outcome = await probeSocket(ws, { protocols, headers: { origin }, start: true });
      expect(
        outcome.events.map((e) => e.type),
        origin,
      ).toEqual(['session.started']);
    }
  });

  it('caps the sockets open from one address, and frees a place when one closes', async () => {
    const { app, ws } = await serve({ limits: { connectionsPerIp: 2 } });
    const sessions = [
      await openSession(ws, (await issue(app)).token),
      await openSession(ws, (await issue(app)).token),
    ];
    const third = await probeSocket(ws, {
      protocols: ['visemo.v1', `visemo.token.${(await issue(app)).token}`],
    });
    expect(third.events[0]).toMatchObject({ type: 'error', code: ErrorCode.ConnectionLimit, fatal: true });
    expect(third.closeCode).toBe(1013);
    await sessions[0]?.close();
    await expect(openSession(ws, (await issue(app)).token).then((s) => s.close())).resolves.toBeUndefined();
    await sessions[1]?.close();
  });

  it('caps the sockets open for one subject', async () => {
    const { app, ws } = await serve({ limits: { connectionsPerSubject: 1 } });
    const { token } = await issue(app, { subject: 'customer-7' });
    const first = await openSession(ws, token);
    const second = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`] });
    expect(second.events[0]).toMatchObject({
      code: ErrorCode.ConnectionLimit,
      message: expect.stringContaining('subject'),
    });
    const otherSubject = await openSession(ws, (await issue(app, { subject: 'customer-8' })).token);
    await otherSubject.close();
    await first.close();
  });

  it('limits connection attempts per address and minute', async () => {
    const { app, ws } = await serve({ limits: { connectsPerMinute: 2 } });
    const { token } = await issue(app);
    const protocols = ['visemo.v1', `visemo.token.${token}`];
    for (let i = 0; i < 2; i++)
      expect((await probeSocket(ws, { protocols, start: true })).closeCode).toBeNull();
    const limited = await probeSocket(ws, { protocols });
    expect(limited.events[0]).toMatchObject({ code: ErrorCode.ConnectionLimit });
    clock += 60_000;
    expect((await probeSocket(ws, { protocols, start: true })).closeCode).toBeNull();
  });
});

describe('a server without auth options', () => {
  it('admits every connection, with or without subprotocols', async () => {
    app = await createServer({ runtime: stubRuntime() });
    const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    expect((await probeSocket(ws, { start: true })).events.map((e) => e.type)).toEqual(['session.started']);
    const offered = await probeSocket(ws, { protocols: ['visemo.v1', 'visemo.token.anything'], start: true });
    expect(offered.protocol).toBe('visemo.v1');
    expect(offered.events.map((e) => e.type)).toEqual(['session.started']);
    expect((await app.inject({ method: 'POST', url: '/v1/tokens' })).statusCode).toBe(404);
  });
});

describe('GET /v1/dev-token', () => {
  it('gives a page on this machine a token that opens a session', async () => {
    const { http, ws } = await serve({ apiKeys: [], devTokens: true });
    const response = await fetch(`${http}/v1/dev-token`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token } = (await response.json()) as { token: string };
    const outcome = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`], start: true });
    expect(outcome.events.map((e) => e.type)).toEqual(['session.started']);
  });

  it.each([
    ['another machine', { remoteAddress: '192.0.2.7' }],
    ['a rebound host name', { headers: { host: 'attacker.example:8080' } }],
    ['another site', { headers: { host: 'localhost:8080', 'sec-fetch-site': 'cross-site' } }],
    ['another origin', { headers: { host: 'localhost:8080', origin: 'https://evil.example' } }],
  ])('refuses %s', async (_what, request) => {
    const { app } = await serve({ apiKeys: [], devTokens: true });
    const response = await app.inject({ method: 'GET', url: '/v1/dev-token', ...request });
    expect(response.statusCode).toBe(403);
    expect(response.body).not.toContain('eyJ');
  });

  it('gives the same anonymous subject again when asked, and only an anonymous one', async () => {
    const { http } = await serve({ apiKeys: [], devTokens: true });
    const first = (await (await fetch(`${http}/v1/dev-token`)).json()) as { subject: string };
    expect(first.subject).toMatch(/^a_[0-9a-f]{32}$/);
    const again = await fetch(`${http}/v1/dev-token?subject=${first.subject}`);
    const { token, subject } = (await again.json()) as { token: string; subject: string };
    expect(subject).toBe(first.subject);
    expect(decodeJwt(token).sub).toBe(first.subject);
    for (const other of ['s_0123456789abcdef0123456789abcdef', 'a_short', 'admin']) {
      const refused = await fetch(`${http}/v1/dev-token?subject=${other}`);
      expect(refused.status).toBe(400);
      expect(await refused.text()).not.toContain('eyJ');
    }
  });

  it('is not served outside dev mode', async () => {
    const { app } = await serve();
    expect((await app.inject({ method: 'GET', url: '/v1/dev-token' })).statusCode).toBe(404);
    const asked = await app.inject({
      method: 'GET',
      url: '/v1/dev-token?subject=a_0123456789abcdef0123456789abcdef',
    });
    expect(asked.statusCode).toBe(404);
  });
});
