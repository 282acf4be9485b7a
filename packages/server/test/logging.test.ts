import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/http/server.js';
import { probeSocket } from './support/socket-probe.js';
import { stubRuntime } from './support/stub-runtime.js';
import { TestCaller } from './support/test-caller.js';

const API_KEY = 'site-backend-key-that-must-not-be-logged';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the server log', () => {
  it('keeps API keys, tokens and query strings out', async () => {
    let log = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    app = await createServer({
      runtime: stubRuntime(),
      logger: { level: 'info', stream },
      auth: { tokenSecret: 'a token secret of at least thirty-two bytes', apiKeys: [API_KEY] },
    });
    const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    const issued = await app.inject({
      method: 'POST',
      url: '/v1/tokens?email=anna@example.com',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const { token } = issued.json() as { token: string };
    const outcome = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`], start: true });
    expect(outcome.events.map((e) => e.type)).toEqual(['session.started']);
    app.log.info({ text: 'my card is 4111 1111 1111 1111' }, `token ${token} for anna@example.com`);

    expect(log).toContain('"url":"/v1/tokens"');
    expect(log).toContain('session opened');
    for (const secret of [API_KEY, token, 'anna@example.com', '4111']) expect(log).not.toContain(secret);
  });

  it('logs an unexpected error of a session once, with its stack, redacted', async () => {
    let log = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const runtime = stubRuntime();
    const failing = {
      ...runtime,
      nlu: {
        classify: () => {
          throw new Error('no intent for anna@example.com');
        },
      },
    } as typeof runtime;
    app = await createServer({ runtime: failing, logger: { level: 'info', stream } });
    const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    const caller = await TestCaller.start(ws);
    caller.send({ type: 'text', text: 'hello' });
    expect(await caller.waitFor('error')).toMatchObject({ code: 'internal', message: 'internal error' });
    caller.close();
    const lines = log.split('\n').filter((line) => line.includes('internal error in a session'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"stack":"Error: no intent for [EMAIL]');
    expect(lines[0]).toMatch(/"sessionId":"[0-9a-f-]{36}","turnId":1/);
    expect(log).not.toContain('anna@example.com');
  });
});
