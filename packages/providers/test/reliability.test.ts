import type { ChatStreamPart, SpeechSynthesizer, SynthesisResult } from '@visemo/core';
import { ErrorCode } from '@visemo/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChatFallbackChain,
  CircuitBreaker,
  createOpenAIChatModel,
  DeepgramRecognizer,
  OpenAITranscriptionRecognizer,
  ProviderError,
  type ProviderEvent,
  RecognitionFallbackChain,
  SynthesisFallbackChain,
  withRetry,
} from '../src/index.js';
import { chunk, sseHeaders, startServer, type TestServer } from './servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

function failure(code: ErrorCode, retryable: boolean, retryAfterMs?: number): ProviderError {
  return new ProviderError(code, `fake ${code}`, { provider: 'fake', retryable, retryAfterMs });
}

async function textOf(stream: AsyncIterable<ChatStreamPart>): Promise<string> {
  let text = '';
  for await (const p of stream) if (p.type === 'text-delta') text += p.text;
  return text;
}

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('withRetry', () => {
  it('retries retryable failures with jittered exponential backoff', async () => {
    const events: ProviderEvent[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw failure(ErrorCode.ProviderUnavailable, true);
        return 'ok';
      },
      { baseDelayMs: 10, random: () => 0.5, onEvent: (e) => events.push(e), provider: 'p' },
    );
    expect(result).toBe('ok');
    expect(events.map((e) => (e.type === 'provider-retry' ? e.delayMs : -1))).toEqual([5, 10]);
  });

  it('does not retry a request the provider rejected, nor past the retry budget', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw failure(ErrorCode.ProviderRejected, false);
      }),
    ).rejects.toMatchObject({ code: 'provider_rejected' });
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw failure(ErrorCode.ProviderUnavailable, true);
        },
        { retries: 2, baseDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 'provider_unavailable' });
    expect(calls).toBe(3);
  });

  it('fails at once when Retry-After asks for longer than a turn can wait', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw failure(ErrorCode.RateLimited, true, 60_000);
      }),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    expect(calls).toBe(1);
  });
});

describe('CircuitBreaker', () => {
  it('opens after N failures, lets one probe through after the reset time, and closes on its success', async () => {
    let now = 0;
    const events: string[] = [];
    const breaker = new CircuitBreaker({
      provider: 'p',
      failureThreshold: 3,
      resetAfterMs: 1000,
      now: () => now,
      onEvent: (e) => events.push(e.type),
    });
    const fail = () => breaker.run(async () => Promise.reject(failure(ErrorCode.ProviderUnavailable, true)));
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toMatchObject({ code: 'provider_unavailable' });
    expect(breaker.state).toBe('open');
    await expect(breaker.run(async () => 'x')).rejects.toMatchObject({ code: 'circuit_open' });
    now = 1000;
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    // Only one probe at a time.
    expect(breaker.tryAcquire()).toBe(false);
    breaker.recordFailure(failure(ErrorCode.ProviderUnavailable, true));
    expect(breaker.state).toBe('open');
    now = 2000;
    expect(await breaker.run(async () => 'back')).toBe('back');
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([
      'circuit-opened',
      'circuit-half-open',
      'circuit-opened',
      'circuit-half-open',
      'circuit-closed',
    ]);
  });

  it('reports its state and failures for a health check without changing them', async () => {
    let now = 0;
    const events: string[] = [];
    const breaker = new CircuitBreaker({
      provider: 'p',
      failureThreshold: 2,
      resetAfterMs: 1000,
      now: () => now,
      onEvent: (e) => events.push(e.type),
    });
    breaker.recordFailure(failure(ErrorCode.ProviderUnavailable, true));
    expect(breaker.report()).toEqual({ provider: 'p', state: 'closed', failures: 1 });
    breaker.recordFailure(failure(ErrorCode.ProviderUnavailable, true));
    expect(breaker.report()).toEqual({ provider: 'p', state: 'open', failures: 2 });
    now = 1000;
    // Due for a probe: shown as half-open, but only a call moves it there and reports it.
    expect(breaker.report()).toEqual({ provider: 'p', state: 'half-open', failures: 2 });
    expect(events).toEqual(['circuit-opened']);
    expect(breaker.state).toBe('half-open');
    expect(events).toEqual(['circuit-opened', 'circuit-half-open']);
  });

  it('does not count aborts (barge-in) as provider failures', async () => {
    const breaker = new CircuitBreaker({ provider: 'p', failureThreshold: 1 });
    breaker.recordFailure(
      new ProviderError(ErrorCode.Aborted, 'aborted', { provider: 'p', retryable: false }),
    );
    expect(breaker.state).toBe('closed');
  });
});

describe('ChatFallbackChain', () => {
  it('falls back to the next provider when the first misses its first-token deadline, closing its request', async () => {
    const slow = await serve((_req, res) => {
      sseHeaders(res);
      const timer = setTimeout(() => res.end(chunk({ content: 'too late' })), 10_000);
      res.on('close', () => clearTimeout(timer));
    });
    const fast = await serve((_req, res) => {
      sseHeaders(res);
      res.end(`${chunk({ content: 'from backup' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
    const events: ProviderEvent[] = [];
    const chain = new ChatFallbackChain(
      [
        { provider: createOpenAIChatModel({ baseURL: slow.origin, model: 'primary' }), timeoutMs: 150 },
        { provider: createOpenAIChatModel({ baseURL: fast.origin, model: 'backup' }), timeoutMs: 1000 },
      ],
      { onEvent: (e) => events.push(e) },
    );
    expect(await textOf(chain.stream({ messages }))).toBe('from backup');
    expect(events.map((e) => e.type)).toEqual([
      'provider-failed',
      'provider-call',
      'provider-fallback',
      'provider-call',
    ]);
    expect(events[0]).toMatchObject({ provider: 'openai-compatible:primary', code: 'provider_timeout' });
    // The primary never sent a part: a failed call without a first byte.
    expect(events[1]).toMatchObject({
      kind: 'llm',
      provider: 'openai-compatible:primary',
      outcome: 'failed',
    });
    expect(events[1]).not.toHaveProperty('firstByteMs');
    expect(events[2]).toMatchObject({ from: 'openai-compatible:primary', to: 'openai-compatible:backup' });
    expect(events[3]).toMatchObject({
      kind: 'llm',
      provider: 'openai-compatible:backup',
      outcome: 'ok',
      firstByteMs: expect.any(Number),
      durationMs: expect.any(Number),
    });
    await slow.requests[0]?.closed;
    expect(slow.requests[0]?.clientAborted()).toBe(true);
  });

  it('opens the circuit of a failing provider and then skips it without calling it', async () => {
    const broken = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error', code: null } }));
    });
    const healthy = await serve((_req, res) => {
      sseHeaders(res);
      res.end(`${chunk({ content: 'ok' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
    const events: ProviderEvent[] = [];
    const chain = new ChatFallbackChain(
      [
        { provider: createOpenAIChatModel({ baseURL: broken.origin, model: 'a' }) },
        { provider: createOpenAIChatModel({ baseURL: healthy.origin, model: 'b' }) },
      ],
      { onEvent: (e) => events.push(e), breaker: { failureThreshold: 3, resetAfterMs: 60_000 } },
    );
    for (let i = 0; i < 5; i++) expect(await textOf(chain.stream({ messages }))).toBe('ok');
    expect(broken.requests).toHaveLength(3);
    expect(healthy.requests).toHaveLength(5);
    expect(events.filter((e) => e.type === 'circuit-opened')).toEqual([
      { type: 'circuit-opened', provider: 'openai-compatible:a', failures: 3, retryInMs: 60_000 },
    ]);
    expect(events.filter((e) => e.type === 'provider-skipped')).toHaveLength(2);
    expect(chain.breakers.map((b) => b.state)).toEqual(['open', 'closed']);
  });

  it('stops at once on barge-in and closes the running upstream request', async () => {
    const streaming = await serve((_req, res) => {
      sseHeaders(res);
      res.write(chunk({ content: 'talking' }));
      const timer = setInterval(() => res.write(chunk({ content: ' and talking' })), 30);
      res.on('close', () => clearInterval(timer));
    });
    const backup = await serve((_req, res) => {
      res.end();
    });
    const chain = new ChatFallbackChain([
      { provider: createOpenAIChatModel({ baseURL: streaming.origin, model: 'a' }), timeoutMs: 1000 },
      { provider: createOpenAIChatModel({ baseURL: backup.origin, model: 'b' }) },
    ]);
    const controller = new AbortController();
    const error = await (async () => {
      for await (const _ of chain.stream({ messages, signal: controller.signal })) controller.abort();
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'aborted' });
    await streaming.requests[0]?.closed;
    expect(streaming.requests[0]?.clientAborted()).toBe(true);
    expect(backup.requests).toHaveLength(0);
  });

  it("reports each call with the usage from the model's finish part, and a barge-in as aborted", async () => {
    const model = await serve((_req, res) => {
      sseHeaders(res);
      res.write(chunk({ content: 'Hello.' }));
      res.write(chunk({}, 'stop'));
      res.write(
        `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 20, completion_tokens: 2 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
    const events: ProviderEvent[] = [];
    const chain = new ChatFallbackChain(
      [{ provider: createOpenAIChatModel({ baseURL: model.origin, model: 'a' }) }],
      {
        onEvent: (e) => events.push(e),
      },
    );
    expect(await textOf(chain.stream({ messages }))).toBe('Hello.');
    const controller = new AbortController();
    await (async () => {
      for await (const _ of chain.stream({ messages, signal: controller.signal })) controller.abort();
    })().catch(() => {});
    expect(events.filter((e) => e.type === 'provider-call')).toEqual([
      expect.objectContaining({ outcome: 'ok', usage: { inputTokens: 20, outputTokens: 2 } }),
      expect.objectContaining({ outcome: 'aborted', firstByteMs: expect.any(Number) }),
    ]);
  });

  it('throws a typed error naming every failure when all providers fail', async () => {
    const down = await serve((_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const chain = new ChatFallbackChain([
      { provider: createOpenAIChatModel({ baseURL: down.origin, model: 'a' }) },
      { provider: createOpenAIChatModel({ baseURL: 'http://127.0.0.1:9', model: 'b' }) },
    ]);
    const error = (await textOf(chain.stream({ messages })).catch((e: unknown) => e)) as ProviderError;
    expect(error.code).toBe('provider_unavailable');
    expect(error.message).toMatch(/HTTP 500.*could not reach/);
  });
});

function fakeSynthesizer(
  name: string,
  behaviour: (signal: AbortSignal | undefined) => Promise<void>,
): SpeechSynthesizer {
  return {
    name,
    voices: [`${name}-voice`],
    synthesize: async (request) => {
      await behaviour(request.signal);
      const result: SynthesisResult = {
        audio: { samples: new Int16Array(160), sampleRate: 16_000 },
        visemes: [{ viseme: 'sil', startMs: 0, endMs: 10 }],
        words: [{ word: name, startMs: 0, endMs: 10 }],
      };
      return result;
    },
  };
}

describe('SynthesisFallbackChain', () => {
  it('moves on when a synthesizer times out, and aborts it', async () => {
    let sawAbort = false;
    const hang = (signal: AbortSignal | undefined) =>
      new Promise<void>((_, reject) => {
        signal?.addEventListener('abort', () => {
          sawAbort = true;
          reject(signal.reason);
        });
      });
    const events: ProviderEvent[] = [];
    const chain = new SynthesisFallbackChain(
      [
        { provider: fakeSynthesizer('cloud', hang), timeoutMs: 100 },
        { provider: fakeSynthesizer('embedded', async () => {}) },
      ],
      { onEvent: (e) => events.push(e) },
    );
    const result = await chain.synthesize({ text: 'hello', voice: 'cloud-voice' });
    expect(result.words[0]?.word).toBe('embedded');
    expect(sawAbort).toBe(true);
    expect(events[0]).toMatchObject({ type: 'provider-failed', provider: 'cloud', code: 'provider_timeout' });
    expect(events.filter((e) => e.type === 'provider-call')).toEqual([
      expect.objectContaining({ kind: 'tts', provider: 'cloud', outcome: 'failed' }),
      // The audio comes whole: its first byte is the end of the call.
      expect.objectContaining({
        kind: 'tts',
        provider: 'embedded',
        outcome: 'ok',
        firstByteMs: expect.any(Number),
      }),
    ]);
    expect(chain.voices).toEqual(['cloud-voice', 'embedded-voice']);
  });
});

describe('RecognitionFallbackChain', () => {
  it('gives the whole utterance to the next recognizer when the first fails', async () => {
    const whisper = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ text: `bytes ${req.body.length}` }));
    });
    const events: ProviderEvent[] = [];
    const chain = new RecognitionFallbackChain(
      [
        // Port 9 (discard) is closed on this machine: the connection is refused.
        { provider: new DeepgramRecognizer({ apiKey: 'k', baseURL: 'ws://127.0.0.1:9' }), timeoutMs: 2000 },
        {
          provider: new OpenAITranscriptionRecognizer({ baseURL: whisper.origin, responseFormat: 'json' }),
          timeoutMs: 2000,
        },
      ],
      { onEvent: (e) => events.push(e) },
    );
    const stream = chain.start();
    stream.write(new Int16Array(1600));
    stream.write(new Int16Array(1600));
    const transcript = await stream.finish();
    expect(transcript.text).toMatch(/^bytes \d+$/);
    // The WAV in the multipart body holds all 3200 samples.
    expect(Number(transcript.text.split(' ')[1])).toBeGreaterThan(6400);
    expect(events.filter((e) => e.type === 'provider-call')).toEqual([
      expect.objectContaining({ kind: 'asr', provider: 'deepgram:nova-3', outcome: 'failed' }),
      expect.objectContaining({ outcome: 'ok', usage: { audioSeconds: 0.2 } }),
    ]);
  });
});
