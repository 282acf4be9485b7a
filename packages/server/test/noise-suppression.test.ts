import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAgentYaml } from './support/agent-server.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

/** Debian's pocketsphinx-testdata: a person saying "go forward ten meters", 16 kHz raw PCM16. */
const RECORDING = '/usr/share/pocketsphinx/test/data/goforward.raw';

const agentYaml = (noiseSuppression: boolean) => `version: 1
persona:
  name: Turtle
  greeting: Ready to move.
speech:
  noiseSuppression: ${noiseSuppression}
intents:
  - name: move_forward
    examples: [go forward ten meters, go forward two meters, go forward one meter]
    responses: [Moving forward.]
  - name: move_backward
    examples: [go backward ten meters, go backward three meters, go backward one meter]
    responses: [Moving back.]
`;

/** The recording under steady white noise 10 dB below it, from its leading silence on. */
async function noisyRecording(): Promise<Int16Array> {
  const raw = await readFile(RECORDING);
  const speech = withLeadingSilence(
    new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
  );
  let power = 0;
  for (const s of speech) power += s * s;
  const level = Math.sqrt(power / speech.length) / 10 ** (10 / 20);
  let seed = 11;
  return speech.map((s) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    // Uniform in ±0.5 has RMS 1/√12: scaled to `level`.
    return Math.max(
      -32768,
      Math.min(32767, Math.round(s + (seed / 2147483648 - 0.5) * level * Math.sqrt(12))),
    );
  });
}

const servers: FastifyInstance[] = [];
const urls: Record<'plain' | 'suppressed', string> = { plain: '', suppressed: '' };

beforeAll(async () => {
  if (!existsSync(RECORDING)) return;
  for (const [name, on] of [
    ['plain', false],
    ['suppressed', true],
  ] as const) {
    const { app, url } = await serveAgentYaml(agentYaml(on));
    servers.push(app);
    urls[name] = url;
  }
}, 120_000);

afterAll(async () => {
  for (const app of servers) await app.close();
});

async function heard(url: string, samples: Int16Array) {
  const caller = await TestCaller.start(url);
  try {
    await caller.speak(samples);
    return await caller.waitFor('transcript.final');
  } finally {
    caller.close();
  }
}

describe.skipIf(!existsSync(RECORDING))('speech.noiseSuppression in a noisy room', () => {
  it('lets the recognizer understand a recording under 10 dB of white noise that it misses without', async () => {
    const samples = await noisyRecording();
    const without = await heard(urls.plain, samples);
    expect(without.understood && without.text === 'go forward ten meters').toBe(false);
    const withSuppression = await heard(urls.suppressed, samples);
    expect(withSuppression).toMatchObject({ text: 'go forward ten meters', understood: true });
  }, 60_000);
});
