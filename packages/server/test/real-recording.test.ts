import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

/** Debian's pocketsphinx-testdata: a person saying "go forward ten meters", 16 kHz raw PCM16. */
const RECORDING = '/usr/share/pocketsphinx/test/data/goforward.raw';

/** A robot-control agent whose domain is the recording's grammar (goforward.gram). */
const ROBOT_AGENT = `version: 1
persona:
  name: Turtle
  greeting: Ready to move.
intents:
  - name: move_forward
    examples:
      - go forward ten meters
      - go forward two meters
      - go forward five meters
      - go forward one meter
    responses: [Moving forward.]
  - name: move_backward
    examples:
      - go backward ten meters
      - go backward three meters
      - go backward one meter
    responses: [Moving back.]
  - name: stop
    examples: [stop, stop now, halt]
    responses: [Stopping.]
`;

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'visemo-robot-'));
  await writeFile(path.join(dir, 'agent.yaml'), ROBOT_AGENT);
  const { runtime } = await createEmbeddedRuntime(dir);
  app = await createServer({ runtime });
  url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('a real recorded voice', () => {
  it('is recognised word for word and understood', async () => {
    const raw = await readFile(RECORDING);
    const samples = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const caller = await TestCaller.start(url);
    await caller.speak(withLeadingSilence(samples));
    const final = await caller.waitFor('transcript.final');
    expect(final.text).toBe('go forward ten meters');
    expect(final.understood).toBe(true);
    const nlu = await caller.waitFor('nlu');
    expect(nlu.intent).toBe('move_forward');
    const reply = await caller.waitFor('response.text');
    expect(reply.text).toBe('Moving forward.');
    caller.close();
  });
});
