import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasFliteCli } from '../../speech/test/support/speech-fixtures.js';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';

/** The studio's previewer: a sentence synthesized with its visemes, a recording aligned with its text. */

const SUPPORT = resolve(import.meta.dirname, '../../../examples/support-agent');
const HAS_FLITE = hasFliteCli();
let app: FastifyInstance;
let url: string;
let dir: string;

describe.skipIf(!HAS_FLITE)('studio preview routes (needs Debian’s flite for the recording)', () => {
  beforeAll(async () => {
    const { runtime } = await createEmbeddedRuntime(SUPPORT, { providers: false });
    app = await createServer({ runtime, adminKey: 'a'.repeat(32) });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'visemo-studio-'));
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: BodyInit, type: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': type, ...headers } });

  it('synthesizes a sentence with the agent’s voice: a WAV, and visemes that span it', async () => {
    const response = await post(
      '/v1/studio/speech',
      JSON.stringify({ text: 'Your parcel ships on Friday.', voice: 'awb' }),
      'application/json',
    );
    expect(response.status).toBe(200);
    const preview = (await response.json()) as {
      voice: string;
      durationMs: number;
      wav: string;
      visemes: { viseme: string; startMs: number; endMs: number }[];
      words: { word: string }[];
    };
    expect(preview.voice).toBe('awb');
    expect(Buffer.from(preview.wav, 'base64').subarray(0, 4).toString()).toBe('RIFF');
    expect(preview.words.map((w) => w.word)).toEqual(['Your', 'parcel', 'ships', 'on', 'Friday.']);
    const last = preview.visemes.at(-1);
    expect(Math.abs((last?.endMs ?? 0) - preview.durationMs)).toBeLessThan(50);
    expect(new Set(preview.visemes.map((v) => v.viseme)).size).toBeGreaterThan(5);
  });

  it('aligns a recording with the text it says', async () => {
    const wav = join(dir, 'friday.wav');
    execFileSync('flite', ['-voice', 'rms', '-t', 'ships on friday', '-o', wav]);
    const response = await post(
      `/v1/studio/alignment?text=${encodeURIComponent('ships on friday')}`,
      readFileSync(wav),
      'audio/wav',
    );
    expect(response.status).toBe(200);
    const alignment = (await response.json()) as {
      words: { word: string; startMs: number }[];
      visemes: unknown[];
    };
    expect(alignment.words.map((w) => w.word)).toEqual(['ships', 'on', 'friday']);
    expect(alignment.words[0]?.startMs).toBeLessThan(alignment.words[2]?.startMs ?? 0);
    expect(alignment.visemes.length).toBeGreaterThan(5);
  });

  it('says what is wrong with a bad request', async () => {
    const voice = await post(
      '/v1/studio/speech',
      JSON.stringify({ text: 'hi', voice: 'nobody' }),
      'application/json',
    );
    expect(voice.status).toBe(400);
    expect(((await voice.json()) as { message: string }).message).toMatch(
      /unknown voice "nobody"; voices: slt/,
    );
    const notWav = await post('/v1/studio/alignment?text=hi', 'plain words', 'audio/wav');
    expect(notWav.status).toBe(400);
    expect(((await notWav.json()) as { code: string }).code).toBe('bad_audio');
    const noText = await post('/v1/studio/alignment', new Uint8Array(44), 'audio/wav');
    expect(noText.status).toBe(400);
  });

  it('asks anyone not on this machine for the admin key', async () => {
    const from = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/v1/studio/speech',
        payload: { text: 'hi' },
        remoteAddress: '203.0.113.7',
        headers: { host: 'studio.example.com', ...headers },
      });
    expect((await from({})).statusCode).toBe(401);
    expect((await from({ authorization: `Bearer ${'a'.repeat(32)}` })).statusCode).toBe(200);
  });
});
