import { createServer } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type ClientEvent,
  VisemoClient,
  type VisemoClientOptions,
  type WebSocketLike,
} from '../src/index.js';
import { createToneRuntime } from './support/tone-runtime.js';

let app: FastifyInstance | null = null;
const clients: VisemoClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  await app?.close();
  app = null;
});

async function start(): Promise<string> {
  app = await createServer({ runtime: createToneRuntime() });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return `${address.replace('http', 'ws')}/v1/ws`;
}

function textClient(url: string, options: Pick<VisemoClientOptions, 'greet' | 'reconnect'> = {}) {
  const client = new VisemoClient({
    url,
    audio: false,
    createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
    ...options,
  });
  const events: ClientEvent[] = [];
  client.onAny((e) => events.push(e));
  clients.push(client);
  return { client, events };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function captions(events: ClientEvent[]) {
  return events.flatMap((e) => (e.type === 'caption' && e.final ? [`${e.speaker}: ${e.text}`] : []));
}

describe('VisemoClient (text-only, against the server)', () => {
  it('holds a typed conversation: greeting, question, answer, latency, end', async () => {
    const { client, events } = textClient(await start());
    const started = await client.connect();
    expect(started.agent.name).toBe('Ava');
    expect(client.status).toBe('open');
    await until(() => events.some((e) => e.type === 'turn.end'), 'the greeting');
    client.sendText('  where is my order?  ');
    await until(() => events.filter((e) => e.type === 'latency').length === 2, 'the answer');
    expect(captions(events)).toEqual([
      "agent: Hi, I'm Ava.",
      'agent: How can I help?',
      'user: where is my order?',
      'agent: Your order left our warehouse today.',
      'agent: It should arrive on Friday.',
    ]);
    expect(events.find((e) => e.type === 'expression.show')).toMatchObject({ expression: 'happy' });
    // Text-only sessions carry no audio.
    expect(events.some((e) => e.type === 'audio.chunk' || e.type === 'visemes')).toBe(false);
    // The server's transcript, asked over the same socket.
    const transcript = await client.requestTranscript();
    expect(transcript).toContainEqual(
      expect.objectContaining({ turnId: 1, role: 'user', text: 'where is my order?' }),
    );
    expect(transcript).toContainEqual(expect.objectContaining({ turnId: 1, role: 'agent' }));
    const latency = events.filter((e) => e.type === 'latency')[1];
    expect(latency).toMatchObject({ turnId: 1, server: { nluMs: expect.any(Number) } });
    await client.end();
    expect(events.some((e) => e.type === 'session.ended')).toBe(true);
    expect(client.status).toBe('closed');
    expect(() => client.sendText('hello')).toThrow(expect.objectContaining({ code: 'session_closed' }));
  });

  it('refuses empty or over-long text before sending', async () => {
    const { client } = textClient(await start(), { greet: false });
    await client.connect();
    expect(() => client.sendText('   ')).toThrow(expect.objectContaining({ code: 'bad_message' }));
    expect(() => client.sendText('x'.repeat(2001))).toThrow(expect.objectContaining({ code: 'bad_message' }));
  });

  it('rates an answer: refused before sending when malformed, answered by the server otherwise', async () => {
    const { client, events } = textClient(await start());
    await client.connect();
    await until(() => events.some((e) => e.type === 'turn.end'), 'the greeting');
    expect(() => client.rateAnswer(-1, 'up')).toThrow(expect.objectContaining({ code: 'bad_message' }));
    expect(() => client.rateAnswer(0, 'meh' as 'up')).toThrow(
      expect.objectContaining({ code: 'bad_message' }),
    );
    // This server keeps nothing: the rating is refused, and the session goes on.
    client.rateAnswer(0, 'down');
    await until(() => events.some((e) => e.type === 'error'), 'the answer to the rating');
    expect(events.find((e) => e.type === 'error')).toMatchObject({
      code: 'storage_unavailable',
      fatal: false,
    });
    expect(client.status).toBe('open');
  });

  it('reconnects with a new session, without a second greeting, when the connection drops', async () => {
    const url = await start();
    const { client, events } = textClient(url, { reconnect: { initialDelayMs: 20 } });
    const first = await client.connect();
    await until(() => events.some((e) => e.type === 'turn.end'), 'the greeting');
    const greetings = events.filter((e) => e.type === 'response.text' && e.answeredBy === 'greeting').length;
    expect(greetings).toBeGreaterThan(0);
    // Drop every connection from the server side, as a restart or a network cut would.
    for (const socket of (app as FastifyInstance).websocketServer.clients) socket.terminate();
    await until(() => client.status === 'reconnecting', 'reconnecting');
    await until(() => client.status === 'open', 'the new session');
    expect(client.session?.sessionId).not.toBe(first.sessionId);
    const statuses = events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    // The new session did not greet again.
    expect(events.filter((e) => e.type === 'response.text' && e.answeredBy === 'greeting')).toHaveLength(
      greetings,
    );
    client.sendText('hello');
    await until(() => captions(events).includes('agent: Hello again.'), 'an answer on the new session');
  });

  it('gives up after the last attempt when nothing listens', async () => {
    const { client } = textClient('ws://127.0.0.1:9/v1/ws', {
      reconnect: { initialDelayMs: 5, maxAttempts: 2 },
    });
    await expect(client.connect()).rejects.toBeDefined();
    expect(client.status).toBe('closed');
  });
});
