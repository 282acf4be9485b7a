import { ErrorCode, VisemoError } from '@visemo/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationSession, type SessionOptions } from '../src/session/conversation-session.js';
import { RecordingTransport, scriptedAgent, settle } from './support/scripted-runtime.js';

/** How sessions end: timeouts, a refused start, and the server's shutdown. */

class ClosingTransport extends RecordingTransport {
  closeCode: number | undefined;
  override close(code?: number): void {
    this.closeCode = code ?? 1000;
    super.close();
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

function open(options: SessionOptions = {}, start = true) {
  const agent = scriptedAgent({ speech: false });
  const transport = new ClosingTransport();
  const session = new ConversationSession(agent.runtime, transport, options);
  const send = async (message: Record<string, unknown>) => {
    session.handleText(JSON.stringify(message));
    await settle();
  };
  if (start) session.handleText(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
  return { agent, transport, session, send };
}

describe('session timeouts', () => {
  it('ends a silent session with idle, and a long one with max_duration', async () => {
    const idle = open({ timeouts: { idleMs: 60_000, maxDurationMs: 600_000 } });
    await idle.send({ type: 'text', text: 'when are you open' });
    vi.advanceTimersByTime(59_000);
    await idle.send({ type: 'playback', turnId: 1, playedMs: 500 });
    vi.advanceTimersByTime(59_000);
    expect(idle.transport.of('session.ended')).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(idle.transport.log.slice(-2)).toEqual(['session.ended idle', '(transport closed)']);
    expect(idle.transport.closeCode).toBe(1000);

    const long = open({ timeouts: { idleMs: 60_000, maxDurationMs: 600_000 } });
    for (let minute = 0; minute < 10; minute++) {
      vi.advanceTimersByTime(59_000);
      await long.send({ type: 'transcript.get' });
    }
    expect(long.transport.of('session.ended')).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(long.transport.of('session.ended')).toEqual([{ type: 'session.ended', reason: 'max_duration' }]);
  });

  it('closes a connection that sends no session.start in time with start_timeout', async () => {
    const c = open({ timeouts: { startMs: 10_000 } }, false);
    await c.send({ type: 'text', text: 'hello' });
    vi.advanceTimersByTime(10_000);
    expect(c.transport.log).toEqual([
      'error no_session send session.start first',
      'error start_timeout no session.start within 10 s fatal',
      '(transport closed)',
    ]);
    expect(c.transport.closeCode).toBe(1008);
  });

  it('refuses a start the server does not admit, with its error, fatally', () => {
    const c = open({ admitStart: () => new VisemoError(ErrorCode.SessionLimit, 'full') });
    expect(c.transport.log).toEqual(['error session_limit full fatal', '(transport closed)']);
    expect(c.transport.closeCode).toBe(1013);
    expect(c.agent.dialogues).toEqual([]);
  });
});

describe('shutting a session down', () => {
  it('lets the live turn finish, refuses new ones, then ends with server_shutdown and 1001', async () => {
    const c = open();
    const release = c.agent.synthesizer.hold();
    await c.send({ type: 'text', text: 'when are you open' });
    c.session.shutDown();
    await c.send({ type: 'text', text: 'and on sundays?' });
    expect(c.transport.of('session.ended')).toEqual([]);
    release();
    await settle();
    const log = c.transport.log;
    expect(log).toContain('error server_shutdown the server is shutting down: no new turns');
    expect(log.filter((line) => line.startsWith('turn.end'))).toHaveLength(1);
    expect(log.slice(-3)[0]).toMatch(/^turn\.end 1 "We open at nine in the morning\. We close at five\."/);
    expect(log.slice(-2)).toEqual(['session.ended server_shutdown', '(transport closed)']);
    expect(c.transport.closeCode).toBe(1001);
  });

  it('ends an idle session at once, cuts a live turn off when told, and closes an unstarted connection', async () => {
    const idle = open();
    idle.session.shutDown();
    expect(idle.transport.log).toEqual([
      'session.started Scripted 16000',
      'session.ended server_shutdown',
      '(transport closed)',
    ]);

    const busy = open();
    busy.agent.synthesizer.hold();
    await busy.send({ type: 'text', text: 'when are you open' });
    busy.session.shutDown();
    busy.session.shutDownNow();
    await settle();
    expect(busy.transport.log.slice(-2)).toEqual(['session.ended server_shutdown', '(transport closed)']);
    expect(busy.transport.of('turn.end')).toEqual([]);

    const unstarted = open({}, false);
    unstarted.session.shutDown();
    expect(unstarted.transport.log).toEqual([
      'error server_shutdown the server is shutting down fatal',
      '(transport closed)',
    ]);
    expect(unstarted.transport.closeCode).toBe(1001);
  });
});
