import { VisemoError } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { FrameDispatcher } from '../src/session/frame-dispatcher.js';

/** A dispatcher whose handlers write what reached them. */
function dispatcher(options: { failStart?: boolean } = {}) {
  const seen: string[] = [];
  const frames = new FrameDispatcher({
    start: (m) => {
      if (options.failStart) throw new VisemoError('bad_message', 'unknown voice');
      seen.push(`start ${m.sampleRate}`);
    },
    join: (m) => seen.push(`join ${m.sessionId}`),
    message: (m) => seen.push(`message ${m.type}`),
    audio: (bytes) => seen.push(`audio ${bytes.byteLength} [${bytes[0]}]`),
    error: (e) => seen.push(`error ${e instanceof VisemoError ? e.code : String(e)}`),
  });
  return { frames, seen };
}

const start = JSON.stringify({ type: 'session.start', protocol: 1 });
const text = JSON.stringify({ type: 'text', text: 'hi' });

describe('the frame dispatcher', () => {
  it('takes session.start first, then messages and audio while open', () => {
    const { frames, seen } = dispatcher();
    frames.handleText(text);
    frames.handleBinary(new Uint8Array(2));
    frames.handleText(start);
    frames.open();
    frames.handleText(text);
    frames.handleBinary(new Uint8Array(640));
    frames.handleText(start);
    expect(seen).toEqual([
      'error no_session',
      'error no_session',
      'start 16000',
      'message text',
      'audio 640 [0]',
      'error bad_message',
    ]);
  });

  it('refuses frames over the limits, malformed messages and odd audio with their codes', () => {
    const { frames, seen } = dispatcher();
    frames.open();
    frames.handleText('x'.repeat(64 * 1024 + 1));
    frames.handleText('{');
    frames.handleText(JSON.stringify({ type: 'dance' }));
    frames.handleBinary(new Uint8Array(256 * 1024 + 2));
    frames.handleBinary(new Uint8Array(3));
    expect(seen).toEqual([
      'error message_too_large',
      'error bad_message',
      'error unknown_message_type',
      'error message_too_large',
      'error bad_audio',
    ]);
  });

  it('holds frames while the session starts and hands them on in order once it is open', () => {
    const { frames, seen } = dispatcher();
    frames.handleText(start);
    frames.starting();
    frames.handleBinary(new Uint8Array(4));
    frames.handleText(text);
    const buffer = new Uint8Array(8);
    frames.handleBinary(buffer);
    buffer.fill(1); // the transport may reuse its buffer: the held frame is a copy
    expect(seen).toEqual(['start 16000']);
    frames.open();
    frames.replayBacklog();
    expect(seen).toEqual(['start 16000', 'audio 4 [0]', 'message text', 'audio 8 [0]']);
    frames.replayBacklog();
    expect(seen).toHaveLength(4);
  });

  it('lets a session that failed to start be started again', () => {
    const { frames, seen } = dispatcher();
    frames.handleText(start);
    frames.starting();
    frames.startFailed();
    frames.handleText(text);
    frames.handleText(start);
    expect(seen).toEqual(['start 16000', 'error no_session', 'start 16000']);
  });

  it('passes on what a handler throws, and refuses everything once closed', () => {
    const { frames, seen } = dispatcher({ failStart: true });
    frames.handleText(start);
    expect(frames.close()).toBe(true);
    expect(frames.close()).toBe(false);
    frames.handleText(start);
    frames.handleText(text);
    frames.handleBinary(new Uint8Array(2));
    expect(frames.state).toBe('closed');
    expect(seen).toEqual([
      'error bad_message',
      'error session_closed',
      'error session_closed',
      'error session_closed',
    ]);
  });
});
