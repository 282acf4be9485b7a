import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '@visemo/core/seeded-random';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { MAX_BINARY_FRAME_BYTES, MAX_TEXT_CHARS, MAX_TEXT_FRAME_BYTES } from '../src/protocol/limits.js';
import { TestCaller } from './support/test-caller.js';

/**
 * Malformed input of every kind, from a seeded generator, against a real server holding several
 * sessions at once: each bad frame must be answered with its typed error (in order, the session
 * going on), and the server and the other sessions must not notice. A failure names its seed;
 * VISEMO_FUZZ_SEED=<seed> replays it.
 */

const SEED = Number(process.env.VISEMO_FUZZ_SEED ?? 20_250_301);
const FUZZED_SESSIONS = 4;
const INPUTS_PER_SESSION = 150;
const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));

/** One frame to send, and the error code it must get (undefined: a valid frame, no error). */
interface Input {
  frame: string | Uint8Array;
  binary: boolean;
  expect: string | undefined;
  what: string;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

function bytes(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

const text = (frame: string, expect: string | undefined, what: string): Input => ({
  frame,
  binary: false,
  expect,
  what,
});
const json = (value: unknown, expect: string | undefined, what: string) =>
  text(JSON.stringify(value), expect, what);

const VALID_MESSAGES = [
  '{"type":"transcript.get"}',
  '{"type":"interrupt"}',
  '{"type":"playback","turnId":0,"playedMs":120}',
  '{"type":"audio.commit"}',
];
const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const WRONG_VALUES: unknown[] = [null, true, 42, -1, 1.5, '', [], {}, ['a'], { text: 'hi' }];

/** The generators, each making one kind of input. */
const KINDS: ((random: Random) => Input)[] = [
  (r) => ({
    frame: bytes(r, int(r, 1, 400)),
    binary: false,
    expect: 'bad_message',
    what: 'random bytes as text',
  }),
  (r) => ({
    frame: bytes(r, int(r, 0, 400) * 2 + 1),
    binary: true,
    expect: 'bad_audio',
    what: 'odd-length audio',
  }),
  (r) => {
    const whole = pick(r, [...VALID_MESSAGES, '{"type":"text","text":"where is my order"}']);
    return text(whole.slice(0, int(r, 1, whole.length - 1)), 'bad_message', `truncated ${whole}`);
  },
  (r) => json({ type: pick(r, PROTOTYPE_KEYS) }, 'unknown_message_type', 'a prototype key as type'),
  (r) =>
    text(
      `{"type":"playback","turnId":0,"__proto__":{"playedMs":${int(r, 0, 9)}}}`,
      'bad_message',
      '__proto__ as a field',
    ),
  () => text('{"__proto__":{"type":"interrupt"}}', 'bad_message', '__proto__ holding the type'),
  (r) => json({ type: 'text', text: pick(r, WRONG_VALUES) }, 'bad_message', 'text of a wrong type'),
  (r) =>
    json(
      { type: 'playback', turnId: pick(r, ['1', -1, 1.5, null, [], 2 ** 64]), playedMs: 0 },
      'bad_message',
      'turnId of a wrong type',
    ),
  (r) =>
    text(
      pick(r, [
        '{"type":"playback","turnId":1e999,"playedMs":1}',
        '{"type":"playback","turnId":0,"playedMs":1e999}',
        '{"type":"playback","turnId":0,"playedMs":-1e308}',
        '{"type":"playback","turnId":123456789012345678901234567890,"playedMs":0}',
      ]),
      'bad_message',
      'a huge number',
    ),
  (r) =>
    text(
      pick(r, ['[]', '"text"', '42', 'null', 'true', '{}', '{"type":5}', '{"type":null}']),
      'bad_message',
      'no message object',
    ),
  (r) =>
    json(
      {
        type: pick(
          r,
          VALID_MESSAGES.map((m) => JSON.parse(m).type),
        ),
        extra: r(),
      },
      'bad_message',
      'an unknown field',
    ),
  (r) => json({ type: `x${Math.floor(r() * 1e9).toString(36)}` }, 'unknown_message_type', 'an unknown type'),
  () => json({ type: 'session.start', protocol: 1 }, 'bad_message', 'a second session.start'),
  (r) =>
    json({ type: 'text', text: 'x'.repeat(MAX_TEXT_CHARS + int(r, 1, 100)) }, 'bad_message', 'text too long'),
  (r) => json({ type: 'text', text: ' '.repeat(int(r, 0, 5)) }, 'bad_message', 'empty text'),
  (r) => {
    const depth = int(r, 1000, 20_000);
    return text(`${'['.repeat(depth)}${']'.repeat(depth)}`, 'bad_message', `nesting ${depth} deep`);
  },
  (r) =>
    r() < 0.5
      ? text(
          `"${'y'.repeat(MAX_TEXT_FRAME_BYTES + int(r, 1, 2000))}"`,
          'message_too_large',
          'a text frame too large',
        )
      : {
          frame: new Uint8Array(MAX_BINARY_FRAME_BYTES + 2 * int(r, 1, 2000)),
          binary: true,
          expect: 'message_too_large',
          what: 'audio too large',
        },
  // Valid frames in between: the session must take them as ever.
  (r) => text(pick(r, VALID_MESSAGES), undefined, 'a valid message'),
  (r) => {
    // Quiet noise (the VAD hears silence), whole samples.
    const samples = new Int16Array(int(r, 1, 800));
    for (let i = 0; i < samples.length; i++) samples[i] = int(r, -40, 40);
    return { frame: new Uint8Array(samples.buffer), binary: true, expect: undefined, what: 'quiet audio' };
  },
];

function inputs(seed: number, count: number): Input[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => pick(random, KINDS)(random));
}

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const { runtime } = await createEmbeddedRuntime(supportAgent);
  app = await createServer({ runtime });
  url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
}, 120_000);

afterAll(async () => {
  await app?.close();
});

async function answersAQuestion(caller: TestCaller): Promise<void> {
  const mark = caller.mark();
  caller.send({ type: 'text', text: 'how long does delivery take' });
  const reply = await caller.waitFor('response.text', () => true, { after: mark });
  expect(reply.text).toMatch(/deliver/i);
  await caller.waitFor('turn.end', (e) => e.turnId === reply.turnId, { after: mark });
}

describe(`the protocol under malformed input (seed ${SEED})`, () => {
  it('answers every bad frame with its typed error, in order, and no session or the server notices', async () => {
    const bystanders = await Promise.all([TestCaller.start(url, { audio: false }), TestCaller.start(url)]);
    const fuzzed = await Promise.all(Array.from({ length: FUZZED_SESSIONS }, () => TestCaller.start(url)));

    const plans = fuzzed.map((_, i) => inputs(SEED + i, INPUTS_PER_SESSION));
    const marks = fuzzed.map((caller) => caller.mark());
    // Every session's frames at once, interleaved on the server.
    for (let at = 0; at < INPUTS_PER_SESSION; at++) {
      fuzzed.forEach((caller, i) => {
        const input = plans[i]?.[at] as Input;
        caller.socket.send(input.frame, { binary: input.binary });
      });
    }
    // The bystanders talk meanwhile.
    await Promise.all(bystanders.map(answersAQuestion));

    for (const [i, caller] of fuzzed.entries()) {
      const plan = plans[i] as Input[];
      // A marker the session answers after every frame before it.
      caller.send({ type: 'transcript.get' });
      const transcripts = plan.filter((input) => input.frame === '{"type":"transcript.get"}').length + 1;
      const answered = () => {
        if (caller.closed) throw new Error(`session ${i} (seed ${SEED + i}) was closed: ${caller.closeCode}`);
        return caller.of('transcript', marks[i]).length;
      };
      await expect.poll(answered, { timeout: 30_000 }).toBe(transcripts);
      const expected = plan.filter((input) => input.expect !== undefined);
      const errors = caller.of('error', marks[i]);
      const seen = errors.map((e) => e.code);
      const wanted = expected.map((input) => input.expect);
      expect(seen, `session ${i}, seed ${SEED + i}: ${describeMismatch(expected, seen)}`).toEqual(wanted);
      expect(errors.every((e) => !e.fatal)).toBe(true);
      expect(caller.closed).toBe(false);
    }

    for (const caller of [...bystanders, ...fuzzed]) await answersAQuestion(caller);
    const metrics = await (await fetch(`${url.replace('ws', 'http')}/metrics`)).text();
    expect(metrics).toMatch(/^visemo_internal_errors_total 0$/m);
    expect(metrics).not.toMatch(/visemo_errors_total\{code="internal"\}/);
    for (const caller of [...bystanders, ...fuzzed]) caller.close();
  }, 120_000);

  it('answers frames that break RFC 6455 with a fatal typed error and closes only that socket', async () => {
    const bystander = await TestCaller.start(url, { audio: false });
    const cases: [string, Buffer, string, number][] = [
      ['a reserved opcode', maskedFrame(0x83, Buffer.from('hi')), 'bad_message', 1002],
      ['an unmasked frame', Buffer.from([0x81, 0x02, 0x68, 0x69]), 'bad_message', 1002],
      [
        'a length of 2^40 bytes',
        Buffer.from([0x82, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
        'payload_too_large',
        1009,
      ],
      ['a fragmented control frame', maskedFrame(0x09, Buffer.from('ping')), 'bad_message', 1002],
    ];
    for (const [what, frame, code, closeCode] of cases) {
      const outcome = await rawExchange(url, frame);
      expect(outcome.events, what).toEqual([expect.objectContaining({ type: 'error', code, fatal: true })]);
      expect(outcome.closeCode, what).toBe(closeCode);
    }
    await answersAQuestion(bystander);
    bystander.close();
  }, 60_000);
});

function describeMismatch(expected: Input[], seen: string[]): string {
  const at = expected.findIndex((input, i) => input.expect !== seen[i]);
  if (at === -1) return `${seen.length - expected.length} errors too many`;
  return `bad input #${at} (${expected[at]?.what}) wanted ${expected[at]?.expect}, got ${seen[at]}`;
}

/** A client frame (masked, as RFC 6455 requires of clients) with this first byte and payload. */
function maskedFrame(first: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  // 0x09 without FIN: a ping split in fragments, which control frames may not be.
  const head = first === 0x09 ? 0x09 : first;
  return Buffer.concat([Buffer.from([head, 0x80 | payload.length]), mask, masked]);
}

/** Opens a WebSocket by hand, writes `frame`, and reads the server's frames until it closes. */
function rawExchange(wsUrl: string, frame: Buffer): Promise<{ events: unknown[]; closeCode: number | null }> {
  const http = new URL(wsUrl.replace('ws', 'http'));
  return new Promise((resolve, reject) => {
    const req = request({
      host: http.hostname,
      port: http.port,
      path: '/v1/ws',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('error', reject);
    req.on('upgrade', (_response, socket: Socket, head: Buffer) => {
      let buffer = head;
      const events: unknown[] = [];
      let closeCode: number | null = null;
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          if (buffer.length < 2) break;
          const opcode = (buffer[0] as number) & 0x0f;
          let length = (buffer[1] as number) & 0x7f;
          let offset = 2;
          if (length === 126) {
            if (buffer.length < 4) break;
            length = buffer.readUInt16BE(2);
            offset = 4;
          }
          if (buffer.length < offset + length) break;
          const payload = buffer.subarray(offset, offset + length);
          buffer = buffer.subarray(offset + length);
          if (opcode === 0x1) events.push(JSON.parse(payload.toString()));
          if (opcode === 0x8) closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        }
      });
      socket.on('close', () => resolve({ events, closeCode }));
      socket.write(frame);
    });
    req.end();
  });
}
