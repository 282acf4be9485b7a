import { createServer } from '@visemo/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ClientEvent, VisemoClient, type WebSocketLike } from '../src/index.js';
import { FakeAudioContext } from './support/fake-audio-context.js';
import { createToneRuntime } from './support/tone-runtime.js';

// The client with audio, against the server: playback on a hand-moved AudioContext clock.

let app: FastifyInstance | null = null;
const clients: VisemoClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
  await app?.close();
  app = null;
});

async function audioClient(greet: boolean) {
  app = await createServer({ runtime: createToneRuntime() });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const context = new FakeAudioContext();
  const client = new VisemoClient({
    url: `${address.replace('http', 'ws')}/v1/ws`,
    greet,
    audioContext: context.asAudioContext(),
    createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
  });
  const events: ClientEvent[] = [];
  client.onAny((e) => events.push(e));
  clients.push(client);
  return { client, events, context };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function ofType<T extends ClientEvent['type']>(events: ClientEvent[], type: T) {
  return events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
}

const agentCaptions = (events: ClientEvent[]) =>
  ofType(events, 'caption').flatMap((e) => (e.speaker === 'agent' ? [e.text] : []));

describe('VisemoClient (audio, against the server)', () => {
  it('schedules the greeting on the clock, shows each sentence when heard, reports it played', async () => {
    const { client, events, context } = await audioClient(true);
    await client.connect();
    await until(() => ofType(events, 'turn.end').length === 1, 'the greeting');
    const chunks = ofType(events, 'audio.chunk');
    await until(() => ofType(events, 'visemes').length === chunks.length, 'every chunk scheduled');
    const visemes = ofType(events, 'visemes');
    // The first chunk one lead (80 ms) after the clock, the next ones back to back.
    expect(visemes[0]?.startTimeSec).toBeCloseTo(0.08, 9);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1] as (typeof chunks)[number];
      expect(visemes[i]?.startTimeSec).toBeCloseTo(
        (visemes[i - 1]?.startTimeSec ?? 0) + previous.samples / previous.sampleRate,
        9,
      );
    }
    expect(visemes[0]?.cues).toEqual(chunks[0]?.visemes);
    expect(context.sources).toHaveLength(chunks.length);
    expect(context.sources[0]?.startedAt).toBeCloseTo(0.08, 9);
    // Nothing is heard before the clock reaches the first sample.
    expect(agentCaptions(events)).toEqual([]);
    expect(ofType(events, 'playback.start')).toEqual([]);

    context.setTime(0.1);
    await until(() => agentCaptions(events).length === 1, 'the first sentence heard');
    expect(agentCaptions(events)).toEqual(["Hi, I'm Ava."]);
    const shown = events.findIndex((e) => e.type === 'expression.show');
    expect(shown).toBeGreaterThan(-1);
    expect(shown).toBeLessThan(events.findIndex((e) => e.type === 'caption'));
    expect(ofType(events, 'playback.start')).toMatchObject([{ turnId: 0 }]);

    const last = visemes[visemes.length - 1] as (typeof visemes)[number];
    const lastChunk = chunks[chunks.length - 1] as (typeof chunks)[number];
    context.setTime(last.startTimeSec + lastChunk.samples / lastChunk.sampleRate + 0.01);
    await until(() => ofType(events, 'playback.end').length === 1, 'the end of playback');
    const totalMs = chunks.reduce((sum, c) => sum + (c.samples / c.sampleRate) * 1000, 0);
    expect(ofType(events, 'playback.end')).toEqual([
      { type: 'playback.end', turnId: 0, playedMs: Math.round(totalMs), interrupted: false },
    ]);
    expect(agentCaptions(events)).toEqual(["Hi, I'm Ava.", 'How can I help?']);
    expect(ofType(events, 'latency')[0]?.inputToAudioMs).toEqual(expect.any(Number));
    expect(client.speaking).toBe(false);
    // The server heard the report: the whole greeting stays in the transcript.
    const transcript = await client.requestTranscript();
    expect(transcript).toContainEqual(
      expect.objectContaining({ turnId: 0, role: 'agent', text: "Hi, I'm Ava. How can I help?" }),
    );
  });

  it('stops the answer on interrupt(), reports what was heard and plays nothing more of it', async () => {
    const { client, events, context } = await audioClient(false);
    await client.connect();
    client.sendText('where is my order?');
    await until(() => ofType(events, 'visemes').length > 0, 'the answer scheduled');
    context.setTime(0.58);
    await until(() => agentCaptions(events).length === 1, 'the first sentence heard');
    expect(client.speaking).toBe(true);
    client.interrupt();
    expect(ofType(events, 'playback.end')).toEqual([
      // The words heard, by the rule the server cuts its transcript with (below).
      { type: 'playback.end', turnId: 1, playedMs: 500, interrupted: true, heardText: 'Your' },
    ]);
    expect(context.sources.every((s) => s.stopped)).toBe(true);
    expect(client.speaking).toBe(false);
    const scheduled = ofType(events, 'visemes').length;
    await until(() => ofType(events, 'turn.end').length === 1, 'the end of the turn');
    expect(ofType(events, 'visemes')).toHaveLength(scheduled);
    expect(agentCaptions(events)).toEqual(['Your order left our warehouse today.']);
    const agent = (await client.requestTranscript()).find((e) => e.turnId === 1 && e.role === 'agent');
    expect(agent?.text).toBe('Your');
  });
});
