import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { DeepgramRecognizer, decodeWav, OpenAITranscriptionRecognizer, ProviderError } from '../src/index.js';
import { startServer, startSocketServer, type TestServer, type TestSocketServer } from './servers.js';

let server: TestServer | undefined;
let sockets: TestSocketServer | undefined;
afterEach(async () => {
  await server?.close();
  await sockets?.close();
  server = undefined;
  sockets = undefined;
});

function tone(ms: number): Int16Array {
  const n = (16_000 * ms) / 1000;
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16_000)),
  );
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('OpenAI-compatible transcription', () => {
  it('posts the utterance as a multipart WAV and reads verbose_json', async () => {
    const form: { fields?: Record<string, string>; wav?: Uint8Array; filename?: string } = {};
    server = await startServer(async (req, res) => {
      const parsed = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(req.body),
      }).formData();
      const file = parsed.get('file') as File;
      form.wav = new Uint8Array(await file.arrayBuffer());
      form.filename = file.name;
      form.fields = Object.fromEntries(
        [...parsed.entries()].filter(([k]) => k !== 'file').map(([k, v]) => [k, String(v)]),
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          task: 'transcribe',
          language: 'english',
          duration: 0.6,
          text: ' Book a table for two.',
          segments: [
            {
              id: 0,
              start: 0,
              end: 0.6,
              text: ' Book a table for two.',
              avg_logprob: -0.2,
              no_speech_prob: 0.01,
            },
          ],
        }),
      );
    });
    const asr = new OpenAITranscriptionRecognizer({
      baseURL: `${server.origin}/v1`,
      apiKey: 'sk-asr',
      language: 'en',
    });
    const stream = asr.start();
    const a = tone(300);
    const b = tone(300);
    stream.write(a);
    stream.write(b);
    expect(stream.partial()).toBe('');
    const transcript = await stream.finish();
    expect(transcript.text).toBe('Book a table for two.');
    expect(transcript.understood).toBe(true);
    expect(transcript.confidence).toBeCloseTo(Math.exp(-0.2), 5);
    expect(transcript.usage).toEqual({ audioSeconds: 0.6 });
    expect(form.fields).toEqual({ model: 'whisper-1', response_format: 'verbose_json', language: 'en' });
    expect(form.filename).toBe('utterance.wav');
    const wav = decodeWav(form.wav as Uint8Array);
    expect(wav.sampleRate).toBe(16_000);
    expect(wav.samples).toEqual(Int16Array.from([...a, ...b]));
    expect(server.requests[0]?.url).toBe('/v1/audio/transcriptions');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-asr');
  });

  it('treats a no-speech segment as not understood', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: ' you', segments: [{ avg_logprob: -1.2, no_speech_prob: 0.92 }] }));
    });
    const stream = new OpenAITranscriptionRecognizer({ baseURL: server.origin }).start();
    stream.write(tone(200));
    // The audio was sent, so it is billed even though it held no speech.
    expect(await stream.finish()).toEqual({
      text: '',
      confidence: 0,
      understood: false,
      usage: { audioSeconds: 0.2 },
    });
  });
});

/**
 * A Deepgram live server as its docs describe it: Results messages with interim and final
 * transcripts while audio arrives, and on CloseStream the last final, a Metadata message, then
 * close 1000.
 */
function deepgramLike(log: {
  query?: URLSearchParams;
  auth?: string;
  bytes: number;
  controls: string[];
  closed: boolean;
}) {
  const results = (transcript: string, isFinal: boolean, start: number) =>
    JSON.stringify({
      type: 'Results',
      channel_index: [0, 1],
      duration: 0.5,
      start,
      is_final: isFinal,
      speech_final: isFinal,
      channel: { alternatives: [{ transcript, confidence: isFinal ? 0.9 : 0.5, words: [] }] },
      metadata: {
        request_id: 'req-1',
        model_info: { name: 'general-nova-3', version: '1', arch: 'nova-3' },
        model_uuid: 'uuid',
      },
      from_finalize: false,
    });
  return (ws: WebSocket, request: IncomingMessage) => {
    log.query = new URL(request.url ?? '', 'http://x').searchParams;
    log.auth = request.headers.authorization;
    let sent = 0;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        log.bytes += (data as Buffer).length;
        // 16 000 bytes is half a second of 16 kHz linear16.
        if (log.bytes >= 16_000 && sent === 0) {
          sent = 1;
          ws.send(results('book a', false, 0));
        }
        if (log.bytes >= 32_000 && sent === 1) {
          sent = 2;
          ws.send(results('book a table', true, 0));
        }
        return;
      }
      const message = JSON.parse(data.toString()) as { type: string };
      log.controls.push(message.type);
      if (message.type === 'CloseStream') {
        ws.send(results('for two', true, 1));
        ws.send(
          JSON.stringify({
            type: 'Metadata',
            transaction_key: 'deprecated',
            request_id: 'req-1',
            duration: 1.5,
            channels: 1,
          }),
        );
        ws.close(1000);
      }
    });
    ws.on('close', () => {
      log.closed = true;
    });
  };
}

describe('Deepgram live streaming', () => {
  it('streams linear16, shows interim and final partials, and finishes with CloseStream', async () => {
    const log = { bytes: 0, controls: [] as string[], closed: false } as Parameters<typeof deepgramLike>[0];
    sockets = await startSocketServer(deepgramLike(log));
    const asr = new DeepgramRecognizer({ apiKey: 'dg-key', baseURL: sockets.origin, endpointingMs: 300 });
    const stream = asr.start();
    stream.write(tone(500));
    await until(() => stream.partial() === 'book a', 'the interim result');
    stream.write(tone(500));
    await until(() => stream.partial() === 'book a table', 'the final result');
    const transcript = await stream.finish();
    // One second of audio went up (32 000 bytes of linear16 at 16 kHz): what Deepgram bills.
    expect(transcript).toEqual({
      text: 'book a table for two',
      confidence: 0.9,
      understood: true,
      usage: { audioSeconds: 1 },
    });
    expect(log.controls).toEqual(['CloseStream']);
    expect(log.bytes).toBe(32_000);
    expect(log.auth).toBe('Token dg-key');
    expect(Object.fromEntries(log.query ?? [])).toEqual({
      model: 'nova-3',
      language: 'en',
      encoding: 'linear16',
      sample_rate: '16000',
      channels: '1',
      interim_results: 'true',
      punctuate: 'true',
      endpointing: '300',
    });
  });

  it('sends KeepAlive while no audio flows', async () => {
    const log = { bytes: 0, controls: [] as string[], closed: false } as Parameters<typeof deepgramLike>[0];
    sockets = await startSocketServer(deepgramLike(log));
    const stream = new DeepgramRecognizer({ apiKey: 'k', baseURL: sockets.origin, keepAliveMs: 60 }).start();
    await until(() => log.controls.includes('KeepAlive'), 'a KeepAlive');
    stream.cancel();
    await until(() => log.closed, 'the server to see the close');
  });

  it('closes the socket when the turn is aborted', async () => {
    const log = { bytes: 0, controls: [] as string[], closed: false } as Parameters<typeof deepgramLike>[0];
    sockets = await startSocketServer(deepgramLike(log));
    const controller = new AbortController();
    const stream = new DeepgramRecognizer({ apiKey: 'k', baseURL: sockets.origin }).start({
      signal: controller.signal,
    });
    stream.write(tone(100));
    await until(() => log.bytes > 0, 'audio at the server');
    controller.abort();
    await until(() => log.closed, 'the server to see the close');
    expect((await stream.finish().catch((e: unknown) => e)) as { code: string }).toMatchObject({
      code: 'aborted',
    });
  });

  it('reports a refused handshake with its HTTP status', async () => {
    sockets = await startSocketServer(
      () => {},
      () => ({
        status: 401,
        body: JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: 'r' }),
      }),
    );
    const stream = new DeepgramRecognizer({ apiKey: 'bad-key-123', baseURL: sockets.origin }).start();
    stream.write(tone(100));
    const error = (await stream.finish().catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe('provider_auth');
    expect(error.vendorCode).toBe('INVALID_AUTH');
    expect(error.message).not.toContain('bad-key-123');
  });
});
