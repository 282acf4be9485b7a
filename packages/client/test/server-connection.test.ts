import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerConnection, type ServerConnectionOptions } from '../src/connection/server-connection.js';
import type { ConnectionEvent } from '../src/events.js';
import type { AudioChunkEvent, ServerEvent } from '../src/protocol.js';
import { FakeSocket, sessionStarted } from './support/fake-socket.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function connection(options: Partial<ServerConnectionOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const told: ConnectionEvent[] = [];
  const events: ServerEvent[] = [];
  const audio: [AudioChunkEvent, ArrayBuffer][] = [];
  const lost = vi.fn();
  const conn = new ServerConnection({
    url: 'ws://visemo.test/v1/ws',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000, maxAttempts: 3 },
    session: { sampleRate: 16000, audio: true, voice: 'kal', greet: true },
    onEvent: (event) => events.push(event),
    onAudio: (chunk, bytes) => audio.push([chunk, bytes]),
    onLost: lost,
    emit: (event) => told.push(event),
    ...options,
  });
  const statuses = () => told.flatMap((e) => (e.type === 'status' ? [e.status] : []));
  const errors = () => told.filter((e) => e.type === 'client.error');
  return { conn, sockets, told, events, audio, lost, statuses, errors };
}

const chunk = {
  type: 'audio.chunk',
  turnId: 0,
  seq: 0,
  sampleRate: 16000,
  samples: 2,
  durationMs: 0.125,
  text: 'Hi.',
  visemes: [{ viseme: 'sil', startMs: 0, endMs: 0.125 }],
  words: [],
};

describe('ServerConnection', () => {
  it('opens a socket, starts the session the client asked for, and resolves with it', async () => {
    const { conn, sockets, events, statuses } = connection();
    const started = conn.connect();
    expect(conn.status).toBe('connecting');
    expect(conn.opening).toBe(true);
    const socket = sockets[0] as FakeSocket;
    expect(socket.url).toBe('ws://visemo.test/v1/ws');
    expect(socket.binaryType).toBe('arraybuffer');
    socket.accept();
    expect(socket.messages()).toEqual([
      { type: 'session.start', protocol: 1, sampleRate: 16000, audio: true, greet: true, voice: 'kal' },
    ]);
    expect(conn.isOpen).toBe(false);
    socket.receive(sessionStarted());
    await expect(started).resolves.toMatchObject({ sessionId: 's1' });
    expect(conn.isOpen).toBe(true);
    expect(conn.session?.sessionId).toBe('s1');
    expect(statuses()).toEqual(['connecting', 'open']);
    expect(events.map((e) => e.type)).toEqual(['session.started']);
    // Connected already: the same session, no second socket.
    await expect(conn.connect()).resolves.toMatchObject({ sessionId: 's1' });
    expect(sockets).toHaveLength(1);
  });

  it('refuses to send a request before the session has started', () => {
    const { conn } = connection();
    expect(() => conn.requireOpen()).toThrow(expect.objectContaining({ code: 'session_closed' }));
    expect(() => conn.requestTranscript()).toThrow(expect.objectContaining({ code: 'session_closed' }));
  });

  it('reconnects after a backoff delay to a new session that does not greet again', async () => {
    const { conn, sockets, told, lost, statuses } = connection();
    const first = conn.connect();
    sockets[0]?.accept();
    sockets[0]?.receive(sessionStarted('s1'));
    await first;
    sockets[0]?.closeFromServer();
    expect(lost).toHaveBeenCalledTimes(1);
    expect(conn.session).toBeNull();
    expect(conn.isOpen).toBe(false);
    const retry = told.at(-1);
    expect(retry).toMatchObject({ type: 'status', status: 'reconnecting', attempt: 1 });
    // Equal jitter: between half the first delay and all of it.
    const delayMs = (retry as { delayMs: number }).delayMs;
    expect(delayMs).toBeGreaterThanOrEqual(50);
    expect(delayMs).toBeLessThanOrEqual(100);
    vi.advanceTimersByTime(delayMs - 1);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]?.accept();
    expect(sockets[1]?.messages()[0]).toMatchObject({ type: 'session.start', greet: false });
    // connect() while reconnecting waits for that socket's session.
    const again = conn.connect();
    expect(sockets).toHaveLength(2);
    sockets[1]?.receive(sessionStarted('s2'));
    await expect(again).resolves.toMatchObject({ sessionId: 's2' });
    expect(statuses()).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    // A session that started resets the count: the next drop is attempt 1 again.
    sockets[1]?.closeFromServer();
    expect(told.at(-1)).toMatchObject({ status: 'reconnecting', attempt: 1 });
  });

  it('offline: gives the socket up at once, spends no attempts, and opens a new one when the network is back', async () => {
    let online = true;
    let change: (online: boolean) => void = () => undefined;
    const network = {
      get online() {
        return online;
      },
      watch(onChange: (online: boolean) => void) {
        change = onChange;
        return () => undefined;
      },
    };
    const { conn, sockets, lost, statuses } = connection({ network });
    const first = conn.connect();
    sockets[0]?.accept();
    sockets[0]?.receive(sessionStarted('s1'));
    await first;
    online = false;
    change(false);
    // The socket still looked open; it is closed from this side without waiting for its close event.
    expect(sockets[0]?.closedWith).toBe(1000);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(conn.status).toBe('offline');
    expect(conn.isOpen).toBe(false);
    expect(conn.opening).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    online = true;
    change(true);
    expect(sockets).toHaveLength(2);
    sockets[1]?.accept();
    expect(sockets[1]?.messages()[0]).toMatchObject({ type: 'session.start', resume: 's1', greet: false });
    sockets[1]?.receive(sessionStarted('s2'));
    expect(conn.isOpen).toBe(true);
    expect(statuses()).toEqual(['connecting', 'open', 'offline', 'reconnecting', 'open']);
  });

  it("replaces a socket that stops bringing the server's heartbeats, and not one that brings them", async () => {
    const { conn, sockets, lost, statuses } = connection({ network: null });
    const first = conn.connect();
    sockets[0]?.accept();
    sockets[0]?.receive({ ...sessionStarted('s1'), heartbeatMs: 1000 });
    await first;
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(1000);
      sockets[0]?.receive({ type: 'heartbeat' });
    }
    expect(conn.isOpen).toBe(true);
    // Silence: no close event ever comes, as on a network that went without a word.
    vi.advanceTimersByTime(3000);
    expect(sockets[0]?.closedWith).toBe(1000);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(statuses()).toEqual(['connecting', 'open', 'reconnecting']);
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
  });

  it('gives up after the last attempt and rejects connect()', async () => {
    const { conn, sockets, statuses } = connection({
      reconnect: { initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 2 },
    });
    const started = conn.connect();
    const rejected = expect(started).rejects.toMatchObject({
      code: 'session_closed',
      message: 'the connection to the server closed',
    });
    for (let i = 0; i < 3; i++) {
      sockets[i]?.closeFromServer();
      vi.advanceTimersByTime(10);
    }
    await rejected;
    expect(sockets).toHaveLength(3);
    expect(conn.status).toBe('closed');
    // Until a first session has started, each new attempt is 'connecting' again.
    expect(statuses()).toEqual([
      'connecting',
      'reconnecting',
      'connecting',
      'reconnecting',
      'connecting',
      'closed',
    ]);
  });

  it('rejects connect() with the reason a socket could not be made, when it may not retry', async () => {
    const { conn } = connection({
      reconnect: null,
      createSocket: () => {
        throw new SyntaxError('bad url');
      },
    });
    await expect(conn.connect()).rejects.toThrow('bad url');
    expect(conn.status).toBe('closed');
  });

  it('pairs each audio.chunk with the binary frame after it, and reports frames it cannot take', async () => {
    const { conn, sockets, events, audio, errors } = connection();
    const started = conn.connect();
    const socket = sockets[0] as FakeSocket;
    socket.accept();
    socket.receive(sessionStarted());
    await started;
    socket.receive(chunk);
    const bytes = new Int16Array([1000, -1000]).buffer;
    socket.receiveBinary(bytes);
    expect(audio).toEqual([[chunk, bytes]]);
    // A second binary frame has no chunk of its own.
    socket.receiveBinary(bytes);
    expect(errors()).toEqual([
      { type: 'client.error', code: 'bad_audio', message: 'audio frame without audio.chunk' },
    ]);
    socket.receive('{"type":"response.text","turnId":"one"}');
    expect(errors().at(-1)).toMatchObject({ code: 'bad_message', message: expect.stringMatching(/turnId/) });
    // An event type this version does not know is skipped; the session goes on.
    socket.receive({ type: 'presence', users: 3 });
    socket.receive({ type: 'handoff', turnId: 1, reason: 'talk_to_human' });
    expect(events.map((e) => e.type)).toEqual(['session.started', 'audio.chunk', 'handoff']);
    expect(audio).toHaveLength(1);
  });

  it('answers requestTranscript() from the transcript event, and rejects it when the socket goes', async () => {
    const { conn, sockets } = connection({ reconnect: null });
    const started = conn.connect();
    const socket = sockets[0] as FakeSocket;
    socket.accept();
    socket.receive(sessionStarted());
    await started;
    const answered = conn.requestTranscript();
    expect(socket.messages().at(-1)).toEqual({ type: 'transcript.get' });
    const entries = [{ turnId: 1, role: 'user', text: 'where is my order' }];
    socket.receive({ type: 'transcript', entries });
    await expect(answered).resolves.toEqual(entries);
    const unanswered = conn.requestTranscript();
    socket.closeFromServer();
    await expect(unanswered).rejects.toMatchObject({ code: 'session_closed' });
    expect(conn.status).toBe('closed');
  });

  it('ends with session.end, closes when the server has, and does not reconnect', async () => {
    const { conn, sockets, statuses } = connection();
    const started = conn.connect();
    const socket = sockets[0] as FakeSocket;
    socket.accept();
    socket.receive(sessionStarted());
    await started;
    const ended = conn.end();
    expect(socket.messages().at(-1)).toEqual({ type: 'session.end' });
    socket.receive({ type: 'session.ended', reason: 'client' });
    socket.closeFromServer(1000);
    await ended;
    expect(socket.closedWith).toBe(1000);
    expect(conn.status).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses()).toEqual(['connecting', 'open', 'closed']);
  });

  it('does not reconnect after the server ended the session', async () => {
    const { conn, sockets } = connection();
    const started = conn.connect();
    sockets[0]?.accept();
    sockets[0]?.receive(sessionStarted());
    await started;
    sockets[0]?.receive({ type: 'session.ended', reason: 'idle' });
    sockets[0]?.closeFromServer(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(conn.status).toBe('closed');
  });
});

describe('ServerConnection joining a conversation', () => {
  it('sends session.join with its name instead of session.start, and joins again after a lost socket', async () => {
    const join = { sessionId: 'host-session', invite: 'the-code' };
    const { conn, sockets } = connection({
      session: { sampleRate: 16000, audio: false, greet: true, name: 'Bo', join },
    });
    const joined = conn.connect();
    sockets[0]?.accept();
    expect(sockets[0]?.messages()).toEqual([
      { type: 'session.join', protocol: 1, sampleRate: 16000, audio: false, name: 'Bo', ...join },
    ]);
    sockets[0]?.receive(sessionStarted('host-session'));
    await joined;
    sockets[0]?.closeFromServer();
    vi.advanceTimersByTime(200);
    sockets[1]?.accept();
    expect(sockets[1]?.messages()[0]).toMatchObject({ type: 'session.join', ...join });
  });

  it('gives up at once when the code is refused: no retries, and connect() fails with the reason', async () => {
    const { conn, sockets, statuses } = connection({
      session: { sampleRate: 16000, audio: true, greet: true, join: { sessionId: 's', invite: 'wrong' } },
    });
    const joined = conn.connect();
    sockets[0]?.accept();
    sockets[0]?.receive({ type: 'error', code: 'bad_invite', message: 'no session', fatal: true });
    sockets[0]?.closeFromServer();
    await expect(joined).rejects.toMatchObject({ code: 'bad_invite' });
    vi.advanceTimersByTime(5000);
    expect(sockets).toHaveLength(1);
    expect(statuses().at(-1)).toBe('closed');
  });
});
