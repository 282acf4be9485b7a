import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ClientEvent, VisemoClient } from '../src/index.js';
import { FakeAudioContext } from './support/fake-audio-context.js';
import { FakeSocket, sessionStarted } from './support/fake-socket.js';

// VisemoClient as the composition of its parts: what one part's event makes another do.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function connected() {
  const context = new FakeAudioContext();
  const sockets: FakeSocket[] = [];
  const client = new VisemoClient({
    url: 'ws://visemo.test/v1/ws',
    audioContext: context.asAudioContext(),
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
  });
  const events: ClientEvent[] = [];
  client.onAny((e) => events.push(e));
  const started = client.connect();
  const socket = sockets[0] as FakeSocket;
  socket.accept();
  socket.receive(sessionStarted());
  await started;
  /** The server speaks one sentence of turn `turnId`, `sec` long. */
  const speak = (turnId: number, text: string, sec: number) => {
    const samples = sec * 16000;
    socket.receive({ type: 'response.text', turnId, text, answeredBy: 'intent' });
    socket.receive({
      type: 'audio.chunk',
      turnId,
      seq: 0,
      sampleRate: 16000,
      samples,
      durationMs: sec * 1000,
      text,
      visemes: [],
      words: [],
    });
    socket.receiveBinary(new Int16Array(samples).buffer);
  };
  const sentSince = (mark: number) => socket.messages().slice(mark);
  return { client, context, socket, events, speak, sentSince };
}

describe('VisemoClient wiring', () => {
  it('push-to-talk pressed while the agent speaks: the heard part is reported, the answer stopped', async () => {
    const { client, context, socket, speak, sentSince } = await connected();
    speak(1, 'Your order left today.', 1);
    context.setTime(0.58);
    vi.advanceTimersByTime(10);
    const mark = socket.messages().length;
    client.startTalking();
    expect(client.isTalking).toBe(true);
    expect(client.speaking).toBe(false);
    expect(sentSince(mark)).toEqual([
      { type: 'playback', turnId: 1, playedMs: 500 },
      { type: 'interrupt' },
      { type: 'audio.hold' },
    ]);
    client.stopTalking();
    expect(sentSince(mark).at(-1)).toEqual({ type: 'audio.commit' });
  });

  it('push-to-talk pressed while the agent is silent sends no interrupt', async () => {
    const { client, socket, sentSince } = await connected();
    const mark = socket.messages().length;
    client.startTalking();
    client.stopTalking();
    expect(sentSince(mark)).toEqual([{ type: 'audio.hold' }, { type: 'audio.commit' }]);
  });

  it("times a turn's latency from the end of the input to its first sample heard", async () => {
    const { client, socket, speak, events } = await connected();
    client.sendText('where is my order?');
    expect(socket.messages().at(-1)).toEqual({ type: 'text', text: 'where is my order?' });
    speak(1, 'It left today.', 0.5);
    socket.receive({
      type: 'turn.end',
      turnId: 1,
      interrupted: false,
      spokenText: '',
      latency: { nluMs: 1 },
    });
    const latency = events.find((e) => e.type === 'latency');
    expect(latency).toEqual({
      type: 'latency',
      turnId: 1,
      server: { nluMs: 1 },
      inputToAudioMs: expect.any(Number),
    });
    // The latency comes before the protocol's own turn.end, as listeners expect.
    const order = events.map((e) => e.type).filter((t) => t === 'latency' || t === 'turn.end');
    expect(order).toEqual(['latency', 'turn.end']);
  });

  it("shows the user's words as captions, partial and final", async () => {
    const { socket, events } = await connected();
    socket.receive({ type: 'transcript.partial', turnId: 2, text: 'where is' });
    socket.receive({
      type: 'transcript.final',
      turnId: 2,
      text: 'where is my order',
      confidence: 0.9,
      understood: true,
      source: 'speech',
    });
    const captions = events.filter((e) => e.type === 'caption');
    expect(captions).toEqual([
      { type: 'caption', speaker: 'user', turnId: 2, text: 'where is', final: false },
      { type: 'caption', speaker: 'user', turnId: 2, text: 'where is my order', final: true },
    ]);
    // Each caption before the event it comes from.
    expect(events.map((e) => e.type).slice(-4)).toEqual([
      'caption',
      'transcript.partial',
      'caption',
      'transcript.final',
    ]);
  });

  it('when the connection drops, playback ends and the utterance being talked is forgotten', async () => {
    const { client, socket, speak, events } = await connected();
    client.startTalking();
    speak(2, 'Sure.', 1);
    socket.closeFromServer();
    expect(events.filter((e) => e.type === 'playback.end')).toEqual([
      { type: 'playback.end', turnId: 2, playedMs: 0, interrupted: true },
    ]);
    expect(client.isTalking).toBe(false);
    expect(client.status).toBe('reconnecting');
    // Nothing goes to a socket that is gone.
    const sent = socket.sent.length;
    client.interrupt();
    client.stopTalking();
    expect(socket.sent).toHaveLength(sent);
  });
  it('keeps text typed while the connection is away and sends it, in order, to the next session', async () => {
    const { client, socket, events } = await connected();
    socket.closeFromServer();
    expect(client.status).toBe('reconnecting');
    expect(client.sendText('where is my order?')).toEqual({ id: 1, queued: true });
    expect(client.sendText('and my refund?')).toEqual({ id: 2, queued: true });
    expect(client.queued.map((q) => q.text)).toEqual(['where is my order?', 'and my refund?']);
    expect(events.filter((e) => e.type === 'text.queued')).toEqual([
      { type: 'text.queued', id: 1, text: 'where is my order?' },
      { type: 'text.queued', id: 2, text: 'and my refund?' },
    ]);
    vi.advanceTimersByTime(1000);
    const next = (client as unknown as { connection: { socket: FakeSocket } }).connection.socket;
    next.accept();
    expect(next.messages().filter((m) => m.type === 'text')).toEqual([]);
    next.receive(sessionStarted('s2'));
    expect(next.messages().filter((m) => m.type === 'text')).toEqual([
      { type: 'text', text: 'where is my order?' },
      { type: 'text', text: 'and my refund?' },
    ]);
    // The page hears of the new session first, then of each message sent.
    expect(events.slice(-3).map((e) => e.type)).toEqual(['session.started', 'text.sent', 'text.sent']);
    expect(client.queued).toEqual([]);
    expect(client.sendText('thanks')).toEqual({ id: 3, queued: false });
  });
});
