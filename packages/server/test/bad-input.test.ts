import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FliteSynthesizer, resample } from '@visemo/speech';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer, DEFAULT_FRAME_CEILING_BYTES } from '../src/http/server.js';
import { MAX_BINARY_FRAME_BYTES, MAX_TEXT_FRAME_BYTES } from '../src/protocol/limits.js';
import { TestCaller } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const { runtime } = await createEmbeddedRuntime(supportAgent);
  app = await createServer({ runtime, maxSessions: 8 });
  url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
}, 120_000);

afterAll(async () => {
  await app?.close();
});

/** The session still answers a question after whatever the test did to it. */
async function expectStillWorks(caller: TestCaller): Promise<void> {
  const mark = caller.mark();
  caller.send({ type: 'text', text: 'thanks a lot' });
  const reply = await caller.waitFor('response.text', () => true, { after: mark });
  expect(reply.text.length).toBeGreaterThan(0);
}

/** Waits until the server holds `count` sessions: closes are processed asynchronously. */
async function sessionsSettleAt(count: number): Promise<void> {
  const health = url.replace('ws', 'http');
  for (let i = 0; i < 100; i++) {
    const { sessions } = (await (await fetch(`${health}/health`)).json()) as { sessions: number };
    if (sessions === count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server did not settle at ${count} sessions`);
}

async function errorAfter(caller: TestCaller, act: () => void) {
  const mark = caller.mark();
  act();
  return caller.waitFor('error', () => true, { after: mark });
}

describe('bad input over the WebSocket', () => {
  it('answers a message before session.start with no_session, then starts normally', async () => {
    const caller = await TestCaller.connect(url);
    const textError = await errorAfter(caller, () => caller.send({ type: 'text', text: 'hello' }));
    expect(textError).toMatchObject({ code: 'no_session', fatal: false });
    const audioError = await errorAfter(caller, () => caller.sendBinary(new Uint8Array(640)));
    expect(audioError.code).toBe('no_session');
    caller.send({ type: 'session.start', protocol: 1, greet: false });
    await caller.waitFor('session.started');
    await expectStillWorks(caller);
    caller.close();
  });

  it('rejects each malformed message with its code and keeps the session', async () => {
    const caller = await TestCaller.start(url, { audio: false });
    const cases: [() => void, string, RegExp][] = [
      [() => caller.send('{"type": "text", "text": '), 'bad_message', /JSON/],
      [() => caller.send('"just a string"'), 'bad_message', /object/],
      [() => caller.send({ type: 'teleport' }), 'unknown_message_type', /teleport/],
      [() => caller.send({ type: 'constructor' }), 'unknown_message_type', /constructor/],
      [() => caller.send({ type: '__proto__' }), 'unknown_message_type', /__proto__/],
      [() => caller.send({ type: 'text', text: 42 }), 'bad_message', /text/],
      [() => caller.send({ type: 'playback', turnId: 1 }), 'bad_message', /playedMs/],
      [() => caller.send({ type: 'session.start', protocol: 1 }), 'bad_message', /already started/],
      [() => caller.sendBinary(new Uint8Array(641)), 'bad_audio', /odd/],
      [
        () => caller.send({ type: 'text', text: 'x'.repeat(MAX_TEXT_FRAME_BYTES) }),
        'message_too_large',
        /text frame/,
      ],
      [
        () => caller.sendBinary(new Uint8Array(MAX_BINARY_FRAME_BYTES + 2)),
        'message_too_large',
        /binary frame/,
      ],
    ];
    for (const [act, code, message] of cases) {
      const error = await errorAfter(caller, act);
      expect(error.code, String(message)).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.fatal).toBe(false);
    }
    await expectStillWorks(caller);
    caller.close();
  });

  it('refuses an unknown voice and an out-of-range sample rate at session start', async () => {
    const caller = await TestCaller.connect(url);
    const voice = await errorAfter(caller, () =>
      caller.send({ type: 'session.start', protocol: 1, voice: 'hal9000' }),
    );
    expect(voice.message).toMatch(/unknown voice.*slt/);
    const rate = await errorAfter(caller, () =>
      caller.send({ type: 'session.start', protocol: 1, sampleRate: 96000 }),
    );
    expect(rate.message).toMatch(/sampleRate/);
    caller.send({ type: 'session.start', protocol: 1, greet: false, voice: 'kal' });
    await caller.waitFor('session.started');
    caller.close();
  });

  it('closes the session on session.end and the server goes on serving others', async () => {
    const caller = await TestCaller.start(url, { audio: false });
    caller.send({ type: 'session.end' });
    await caller.waitFor('session.ended');
    await new Promise((r) => setTimeout(r, 100));
    expect(caller.closed).toBe(true);
    const other = await TestCaller.start(url, { audio: false });
    await expectStillWorks(other);
    other.close();
  });

  it('answers frames far over the limits and keeps the session; past the ceiling it closes the connection alone', async () => {
    const other = await TestCaller.start(url, { audio: false });
    const caller = await TestCaller.start(url, { audio: false });
    for (const act of [
      () => caller.sendBinary(new Uint8Array(2 * 1024 * 1024)),
      () => caller.send(`{"type":"text","text":"${'x'.repeat(1024 * 1024 + 10)}"}`),
    ]) {
      const error = await errorAfter(caller, act);
      expect(error).toMatchObject({ code: 'message_too_large', fatal: false });
    }
    await expectStillWorks(caller);

    const ceiling = await errorAfter(caller, () =>
      caller.sendBinary(new Uint8Array(DEFAULT_FRAME_CEILING_BYTES + 2)),
    );
    expect(ceiling).toMatchObject({ code: 'payload_too_large', fatal: true });
    await expect.poll(() => caller.closeCode).toBe(1009);
    await expectStillWorks(other);
    other.close();
  });

  it('refuses sessions over the limit with a fatal session_limit error', async () => {
    await sessionsSettleAt(0);
    const callers = await Promise.all(
      Array.from({ length: 8 }, () => TestCaller.start(url, { audio: false })),
    );
    const extra = await TestCaller.connect(url);
    extra.send({ type: 'session.start', protocol: 1, greet: false });
    const error = await extra.waitFor('error');
    expect(error).toMatchObject({ code: 'session_limit', fatal: true });
    await expect.poll(() => extra.closeCode).toBe(1013);
    for (const c of callers) c.close();
    await sessionsSettleAt(0);
  });

  it('accepts 48 kHz input audio by resampling it', async () => {
    const caller = await TestCaller.start(url, { sampleRate: 48000 });
    const { audio } = await new FliteSynthesizer().synthesize({
      text: 'what are your opening hours',
      voice: 'rms',
    });
    const hiRate = resample(audio, 48000).samples;
    const padded = new Int16Array(hiRate.length + 48000);
    padded.set(hiRate, 9600);
    // Real-time pace in 20 ms frames of 960 samples.
    for (let at = 0; at < padded.length; at += 960) {
      caller.sendBinary(new Uint8Array(padded.slice(at, at + 960).buffer));
      await new Promise((r) => setTimeout(r, 20));
    }
    const final = await caller.waitFor('transcript.final');
    expect(final.text).toBe('what are your opening hours');
    caller.close();
  });
});

describe('bad agent definitions', () => {
  it('names the file, line and field of an error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'visemo-agent-'));
    await writeFile(
      path.join(dir, 'agent.yaml'),
      [
        'version: 1',
        'persona:',
        '  name: Test',
        '  greeting: Hello',
        'intents:',
        '  - name: hi',
        '    examples: [hello]',
        '    responses: [Hi]',
        '',
      ].join('\n'),
    );
    await expect(createEmbeddedRuntime(dir)).rejects.toMatchObject({
      code: 'agent_invalid',
      message: expect.stringMatching(/agent\.yaml:7:\d+ intents\[0\]\.examples/),
    });
  });
});
