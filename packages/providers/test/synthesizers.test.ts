import { resample } from '@visemo/speech';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AzureSpeechSynthesizer,
  ElevenLabsSynthesizer,
  encodeWav,
  OpenAISpeechSynthesizer,
  ProviderError,
  phonesFromCharacters,
  wordsFromCharacters,
} from '../src/index.js';
import { fliteSpeech, pcmBytes } from './fixtures.js';
import { startServer, type TestServer } from './servers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TEXT = 'Maybe we should book a room for Monday.';

describe('OpenAI-compatible speech', () => {
  it('decodes 24 kHz PCM to 16 kHz and aligns words and visemes to it', async () => {
    const { audio } = fliteSpeech(TEXT);
    const at24k = resample(audio, 24_000);
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/pcm' });
      res.end(pcmBytes(at24k.samples));
    });
    const tts = new OpenAISpeechSynthesizer({
      baseURL: `${server.origin}/v1`,
      apiKey: 'sk-tts',
      voice: 'nova',
    });
    const result = await tts.synthesize({ text: TEXT });
    expect(result.audio.sampleRate).toBe(16_000);
    expect(result.usage).toEqual({ characters: TEXT.length });
    expect(Math.abs(result.audio.samples.length - audio.samples.length)).toBeLessThan(5);
    expect(result.words.map((w) => w.word)).toEqual([
      'maybe',
      'we',
      'should',
      'book',
      'a',
      'room',
      'for',
      'monday',
    ]);
    expect(result.visemes.filter((v) => v.viseme === 'PP').length).toBeGreaterThanOrEqual(3);
    const body = JSON.parse(server.requests[0]?.body.toString() ?? '');
    expect(body).toEqual({ model: 'gpt-4o-mini-tts', input: TEXT, voice: 'nova', response_format: 'pcm' });
    expect(server.requests[0]?.url).toBe('/v1/audio/speech');
  });

  it('reads a WAV answer', async () => {
    const { audio } = fliteSpeech('Good morning.');
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from(encodeWav(audio)));
    });
    const tts = new OpenAISpeechSynthesizer({ baseURL: server.origin, responseFormat: 'wav' });
    const result = await tts.synthesize({ text: 'Good morning.' });
    expect(result.audio.samples).toEqual(audio.samples);
    expect(result.words.map((w) => w.word)).toEqual(['good', 'morning']);
  });
});

/** ElevenLabs-style character alignment built from word spans: the characters of each word evenly. */
function characterAlignment(words: [string, number, number][]) {
  const characters: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let t = 0;
  for (const [i, [word, start, end]] of words.entries()) {
    if (i > 0) {
      characters.push(' ');
      starts.push(t);
      ends.push(start);
    }
    const each = (end - start) / word.length;
    for (const [k, c] of [...word].entries()) {
      characters.push(c);
      starts.push(start + k * each);
      ends.push(start + (k + 1) * each);
    }
    t = end;
  }
  return { characters, character_start_times_seconds: starts, character_end_times_seconds: ends };
}

describe('ElevenLabs with timestamps', () => {
  it('turns character timings into word timings and visemes', async () => {
    const alignment = characterAlignment([
      ['Bob', 0.1, 0.4],
      ['met', 0.5, 0.8],
      ['Sheila', 0.9, 1.5],
    ]);
    const audio = new Int16Array(16_000 * 1.6);
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          audio_base64: pcmBytes(audio).toString('base64'),
          alignment,
          normalized_alignment: alignment,
        }),
      );
    });
    const tts = new ElevenLabsSynthesizer({
      apiKey: 'xi-secret',
      voiceId: 'JBFqnCBsd6RMkjVDRZzb',
      baseURL: server.origin,
    });
    const result = await tts.synthesize({ text: 'Bob met Sheila.' });
    expect(result.usage).toEqual({ characters: 15 });
    expect(result.words).toEqual([
      { word: 'Bob', startMs: 100, endMs: 400 },
      { word: 'met', startMs: 500, endMs: 800 },
      { word: 'Sheila', startMs: 900, endMs: 1500 },
    ]);
    const at = (ms: number) => result.visemes.find((v) => v.startMs <= ms && ms < v.endMs)?.viseme;
    // B of Bob (100–200 ms), m of met (500–600 ms), sh of Sheila (900–1100 ms).
    expect(at(150)).toBe('PP');
    expect(at(550)).toBe('PP');
    expect(at(950)).toBe('CH');
    expect(at(50)).toBe('sil');
    expect(result.audio.samples.length).toBe(audio.length);
    const req = server.requests[0];
    expect(req?.url).toBe('/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/with-timestamps?output_format=pcm_16000');
    expect(req?.headers['xi-api-key']).toBe('xi-secret');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({
      text: 'Bob met Sheila.',
      model_id: 'eleven_multilingual_v2',
    });
  });

  it('closes the upstream request on barge-in', async () => {
    server = await startServer((_req, res) => {
      // The answer would take 10 s.
      const timer = setTimeout(() => res.end('{}'), 10_000);
      res.on('close', () => clearTimeout(timer));
    });
    const tts = new ElevenLabsSynthesizer({ apiKey: 'k', voiceId: 'v', baseURL: server.origin });
    const controller = new AbortController();
    const pending = tts.synthesize({ text: 'hello', signal: controller.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    await server.requests[0]?.closed;
    expect(server.requests[0]?.clientAborted()).toBe(true);
  });

  it('reads numbers as words over their digits', () => {
    const alignment = characterAlignment([['42', 0, 1]]);
    expect(wordsFromCharacters(alignment)).toEqual([{ word: '42', startMs: 0, endMs: 1000 }]);
    const phones = phonesFromCharacters(alignment).map((p) => p.phone);
    expect(phones.slice(0, 2)).toEqual(['f', 'ao']);
  });

  it('reports ElevenLabs error bodies with their status', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: { status: 'invalid_api_key', message: 'Invalid API key' } }));
    });
    const tts = new ElevenLabsSynthesizer({ apiKey: 'xi-secret', voiceId: 'v', baseURL: server.origin });
    const error = (await tts.synthesize({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe('provider_auth');
    expect(error.vendorCode).toBe('invalid_api_key');
  });
});

describe('Azure Speech', () => {
  it('posts SSML and aligns the raw PCM answer', async () => {
    const text = 'Fish & chips <today>';
    const { audio } = fliteSpeech('Fish and chips today');
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/x-wav' });
      res.end(pcmBytes(audio.samples));
    });
    const tts = new AzureSpeechSynthesizer({
      apiKey: 'az-secret',
      endpoint: `${server.origin}/cognitiveservices/v1`,
      voice: 'en-US-AvaMultilingualNeural',
    });
    const result = await tts.synthesize({ text });
    const req = server.requests[0];
    expect(req?.body.toString()).toBe(
      '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US"><voice name="en-US-AvaMultilingualNeural">Fish &amp; chips &lt;today&gt;</voice></speak>',
    );
    expect(req?.headers['ocp-apim-subscription-key']).toBe('az-secret');
    expect(req?.headers['x-microsoft-outputformat']).toBe('raw-16khz-16bit-mono-pcm');
    expect(req?.headers['content-type']).toBe('application/ssml+xml');
    expect(result.words.map((w) => w.word)).toEqual(['fish', 'chips', 'today']);
    expect(result.visemes.some((v) => v.viseme === 'FF')).toBe(true);
  });
});
