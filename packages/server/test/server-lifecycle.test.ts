import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type ServerOptions } from '../src/http/server.js';
import { drainServer } from '../src/http/shutdown.js';
import type { ServerEvent } from '../src/protocol/server-events.js';
import { scriptedAgent } from './support/scripted-runtime.js';
import { stubRuntime } from './support/stub-runtime.js';
import { TestCaller } from './support/test-caller.js';

/** Timeouts, capacity, shutdown and internal errors of a real server on a real port. */

let app: FastifyInstance | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await app?.close();
  app = undefined;
});

async function serve(options: Partial<ServerOptions> = {}) {
  app = await createServer({ runtime: stubRuntime(), ...options });
  const http = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, http, ws: http.replace('http', 'ws') };
}

/** A socket that connects and says nothing; it records what it is sent and how it closes. */
async function silentSocket(url: string, protocols: string[] = []) {
  const socket = new WebSocket(`${url}/v1/ws`, protocols);
  sockets.push(socket);
  const events: ServerEvent[] = [];
  let closeCode: number | null = null;
  socket.on('message', (data) => events.push(JSON.parse(String(data)) as ServerEvent));
  socket.on('close', (code) => {
    closeCode = code;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, events, closeCode: () => closeCode };
}

async function health(http: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${http}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function logStream(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let log = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  const lines = () =>
    log
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('session timeouts over the WebSocket', () => {
  it('ends a session that sends nothing with session.ended idle', async () => {
    const { ws } = await serve({
      runtime: scriptedAgent({ speech: false }).runtime,
      timeouts: { idleMs: 300 },
    });
    const caller = await TestCaller.start(ws, { audio: false });
    const ended = await caller.waitFor('session.ended');
    expect(ended.reason).toBe('idle');
    await expect.poll(() => caller.closeCode).toBe(1000);
  });

  it('closes a connection that sends no session.start with start_timeout', async () => {
    const { ws } = await serve({ timeouts: { startMs: 200 } });
    const silent = await silentSocket(ws);
    await expect.poll(() => silent.closeCode()).toBe(1008);
    expect(silent.events).toEqual([expect.objectContaining({ code: 'start_timeout', fatal: true })]);
  });
});

describe('capacity', () => {
  it('does not let 200 silent sockets lock a person out', async () => {
    const { http, ws } = await serve({ maxSessions: 200 });
    const silent: Awaited<ReturnType<typeof silentSocket>>[] = [];
    for (let i = 0; i < 200; i++) silent.push(await silentSocket(ws));
    const person = await TestCaller.start(ws);
    expect(person.of('session.started')).toHaveLength(1);
    // The waiting pool (100 unless set) gave its oldest places to the newer sockets.
    await expect.poll(() => silent.filter((s) => s.closeCode() === 1013).length).toBe(101);
    expect(silent[0]?.events[0]).toMatchObject({ code: 'connection_limit', fatal: true });
    expect((await health(http)).body).toMatchObject({ sessions: 1, unstarted: 99 });
    person.close();
  });

  it('counts the waiting pool apart from the session cap', async () => {
    const { http, ws } = await serve({ maxSessions: 2, maxUnstarted: 3 });
    const silent = [await silentSocket(ws), await silentSocket(ws), await silentSocket(ws)];
    const people = [await TestCaller.start(ws), await TestCaller.start(ws)];
    // The first person took the place of the oldest silent socket; the second found one free.
    await expect.poll(() => silent.map((s) => s.closeCode())).toEqual([1013, null, null]);
    expect((await health(http)).body).toMatchObject({ sessions: 2, unstarted: 2 });
    const third = await TestCaller.connect(ws);
    third.send({ type: 'session.start', protocol: 1 });
    expect(await third.waitFor('error')).toMatchObject({ code: 'session_limit', fatal: true });
    for (const person of people) person.close();
  });

  it('counts sockets that have not started against the per-address cap', async () => {
    const { app, ws } = await serve({
      auth: {
        tokenSecret: 'a token secret of at least thirty-two bytes',
        apiKeys: ['k'],
        limits: { connectionsPerIp: 2 },
      },
    });
    const token = async () =>
      (
        (
          await app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: 'Bearer k' } })
        ).json() as { token: string }
      ).token;
    for (let i = 0; i < 2; i++) await silentSocket(ws, ['visemo.v1', `visemo.token.${await token()}`]);
    const third = await silentSocket(ws, ['visemo.v1', `visemo.token.${await token()}`]);
    await expect.poll(() => third.closeCode()).toBe(1013);
    expect(third.events[0]).toMatchObject({
      code: 'connection_limit',
      message: expect.stringMatching(/address/),
    });
  });
});

describe('draining the server', () => {
  it('lets the live turn finish, ends every session with server_shutdown and 1001, and takes no one new', async () => {
    const agent = scriptedAgent({ speech: false });
    const server = await serve({ runtime: agent.runtime });
    const { http, ws } = server;
    // With audio: the held synthesis keeps the turn live.
    const busy = await TestCaller.start(ws);
    const idle = await TestCaller.start(ws);
    const waiting = await silentSocket(ws);
    const release = agent.synthesizer.hold();
    busy.send({ type: 'text', text: 'when are you open' });
    await busy.waitFor('response.text');

    const drained = drainServer(server.app, { deadlineMs: 20_000 });
    expect((await idle.waitFor('session.ended')).reason).toBe('server_shutdown');
    await expect.poll(() => idle.closeCode).toBe(1001);
    await expect.poll(() => waiting.closeCode()).toBe(1001);
    expect(waiting.events).toEqual([expect.objectContaining({ code: 'server_shutdown', fatal: true })]);
    const newcomer = await silentSocket(ws);
    await expect.poll(() => newcomer.closeCode()).toBe(1001);
    expect(newcomer.events[0]).toMatchObject({ code: 'server_shutdown' });
    expect(await health(http)).toMatchObject({ status: 503, body: { code: 'server_shutdown' } });
    expect(busy.of('session.ended')).toEqual([]);

    release();
    expect(await drained).toEqual({ sessions: 3, cutOff: 0 });
    const types = busy.events.map((e) => e.type);
    expect(types.slice(-2)).toEqual(['turn.end', 'session.ended']);
    expect(busy.of('session.ended')[0]?.reason).toBe('server_shutdown');
    expect(busy.of('turn.end')[0]?.interrupted).toBe(false);
    expect(busy.closeCode).toBe(1001);
    app = undefined;
  });

  it('cuts off a turn still running at the deadline', async () => {
    const agent = scriptedAgent({ speech: false });
    const server = await serve({ runtime: agent.runtime });
    const busy = await TestCaller.start(server.ws);
    agent.synthesizer.hold();
    busy.send({ type: 'text', text: 'when are you open' });
    await busy.waitFor('response.text');
    expect(await drainServer(server.app, { deadlineMs: 100 })).toEqual({ sessions: 1, cutOff: 1 });
    expect(busy.of('session.ended')[0]?.reason).toBe('server_shutdown');
    expect(busy.of('turn.end')).toEqual([]);
    app = undefined;
  });
});

describe('internal errors', () => {
  it('logs each once with its stack, counts it, and tells the client internal', async () => {
    const { stream, lines } = logStream();
    const { http, ws } = await serve({
      runtime: scriptedAgent({ speech: false }).runtime,
      logger: { level: 'info', stream },
    });
    const caller = await TestCaller.start(ws, { audio: false });
    caller.send({ type: 'text', text: 'crash, my card is 4111 1111 1111 1111' });
    expect(await caller.waitFor('error')).toMatchObject({
      code: 'internal',
      message: 'internal error',
      fatal: false,
    });
    await expect.poll(() => lines().filter((l) => l.msg === 'internal error in a session').length).toBe(1);
    const logged = lines().find((l) => l.msg === 'internal error in a session') as {
      level: number;
      err: { stack: string };
    };
    expect(logged.level).toBe(50);
    expect(logged.err.stack).toMatch(/TypeError: scripted dialogue bug\n\s+at /);
    expect(logged).toMatchObject({ sessionId: expect.any(String), turnId: 1 });
    const metrics = await (await fetch(`${http}/metrics`)).text();
    expect(metrics).toMatch(/^visemo_internal_errors_total 1$/m);
    // The session goes on.
    caller.send({ type: 'text', text: 'when are you open' });
    await caller.waitFor('turn.end', (e) => e.turnId === 2);
    expect(JSON.stringify(lines())).not.toContain('4111');
    caller.close();
  });
});

describe('the log of a WebSocket upgrade', () => {
  it('has the path without its query string beside the client address', async () => {
    const { stream, lines } = logStream();
    const { ws } = await serve({ logger: { level: 'info', stream } });
    const query = '?email=anna@example.com&order=123456';
    const socket = new WebSocket(`${ws}/v1/ws${query}`);
    sockets.push(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    await expect.poll(() => lines().some((l) => l.msg === 'session opened')).toBe(true);
    const incoming = lines().find((l) => l.msg === 'incoming request') as {
      req: { url: string; remoteAddress: string };
    };
    expect(incoming.req).toMatchObject({ url: '/v1/ws', remoteAddress: '127.0.0.1' });
    // An upgrade to a path that takes no WebSocket is logged by the WebSocket plugin itself.
    const stray = new WebSocket(`${ws}/health${query}`);
    sockets.push(stray);
    await new Promise((resolve) => stray.once('close', resolve));
    await expect.poll(() => lines().filter((l) => l.msg === 'incoming request').length).toBe(2);
    const all = JSON.stringify(lines());
    for (const part of ['anna', 'example.com', '123456', 'order=']) expect(all).not.toContain(part);
  });
});
