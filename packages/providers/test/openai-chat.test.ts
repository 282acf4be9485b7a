import type { ChatStreamPart } from '@visemo/core';
import { ProviderTimeoutError, withDeadline } from '@visemo/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAzureOpenAIChatModel,
  createOpenAIChatModel,
  ProviderError,
  type ProviderEvent,
  parseRetryAfter,
  parseSse,
  RetryingChatModel,
} from '../src/index.js';
import { chunk, sseHeaders, startServer, type TestServer, writeInPieces } from './servers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

function textOf(parts: readonly ChatStreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.text : '')).join('');
}

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('SSE parsing', () => {
  it('gives the same events whatever the chunk boundaries', async () => {
    const text =
      ': keepalive\r\ndata: {"a":"héllo 👋 世界"}\r\n\r\nevent: ping\ndata: x\ndata: y\n\n: c\ndata: [DONE]\n\n';
    const bytes = Buffer.from(text);
    const whole: unknown[] = [];
    for await (const e of parseSse([bytes])) whole.push(e);
    expect(whole).toEqual([
      { event: 'message', data: '{"a":"héllo 👋 世界"}' },
      { event: 'ping', data: 'x\ny' },
      { event: 'message', data: '[DONE]' },
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const pieces = [bytes.subarray(0, cut), bytes.subarray(cut)];
      const events: unknown[] = [];
      for await (const e of parseSse(pieces)) events.push(e);
      expect(events).toEqual(whole);
    }
  });
});

describe('OpenAI-compatible chat streaming', () => {
  it('streams text split at odd byte boundaries, with keepalives and multi-byte characters', async () => {
    const pieces = ['Grüße ', 'aus ', 'Köln 🎉', ' — 東京'];
    server = await startServer(async (_req, res) => {
      sseHeaders(res);
      let body = ': ping\n\n';
      body += chunk({ role: 'assistant', content: '' });
      for (const p of pieces) body += `${chunk({ content: p })}: keepalive\n\n`;
      body += chunk({}, 'stop');
      body += 'data: [DONE]\n\n';
      await writeInPieces(res, body.replaceAll('\n', '\r\n'), 5);
      res.end();
    });
    const model = createOpenAIChatModel({
      baseURL: `${server.origin}/v1`,
      apiKey: 'sk-test-key',
      model: 'm',
    });
    const parts = await collect(model.stream({ messages, temperature: 0.2, maxTokens: 50 }));
    expect(textOf(parts)).toBe(pieces.join(''));
    expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'stop' });
    const req = server.requests[0];
    expect(req?.url).toBe('/v1/chat/completions');
    expect(req?.headers.authorization).toBe('Bearer sk-test-key');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 50,
    });
  });

  it('carries the token counts of the usage chunk after finish_reason in the finish part', async () => {
    server = await startServer(async (_req, res) => {
      sseHeaders(res);
      res.write(chunk({ role: 'assistant', content: 'Hi there.' }));
      res.write(chunk({}, 'stop'));
      // With include_usage OpenAI sends one more chunk: no choices, the counts of the whole call.
      res.write(
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 41, completion_tokens: 3, total_tokens: 44 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const parts = await collect(model.stream({ messages }));
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { inputTokens: 41, outputTokens: 3 },
    });
  });

  it('leaves stream_options out for a server that refuses it', async () => {
    server = await startServer(async (_req, res) => {
      sseHeaders(res);
      res.end(`${chunk({ content: 'ok' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm', includeUsage: false });
    const parts = await collect(model.stream({ messages }));
    expect(parts.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).not.toHaveProperty('stream_options');
  });

  it('accumulates tool-call deltas by index', async () => {
    server = await startServer(async (_req, res) => {
      sseHeaders(res);
      const calls = [
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
        chunk({
          tool_calls: [
            { index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
        chunk({}, 'tool_calls'),
        'data: [DONE]\n\n',
      ];
      await writeInPieces(res, calls.join(''), 11);
      res.end();
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const parts = await collect(
      model.stream({
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'c0', name: 'f', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'c0', content: '42' },
        ],
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
      }),
    );
    expect(parts).toEqual([
      { type: 'tool-call', call: { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { type: 'tool-call', call: { id: 'call_b', name: 'get_time', arguments: '{"tz":"CET"}' } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
    const body = JSON.parse(server.requests[0]?.body.toString() ?? '');
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
      },
    ]);
    expect(body.messages[2]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c0', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'c0', content: '42' });
    // No key configured for a local server: no Authorization header at all.
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('takes whole tool calls without index and a `stop` finish, as Ollama sends them', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.end(
        `${chunk({ role: 'assistant', content: '', tool_calls: [{ id: 'call_1', function: { name: 'a', arguments: '{"x":1}' } }] })}` +
          `${chunk({ tool_calls: [{ id: 'call_2', function: { name: 'b', arguments: '{}' } }] })}` +
          `${chunk({ content: '' }, 'stop')}data: [DONE]\n\n`,
      );
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'llama3.2' });
    expect(await collect(model.stream({ messages }))).toEqual([
      { type: 'tool-call', call: { id: 'call_1', name: 'a', arguments: '{"x":1}' } },
      { type: 'tool-call', call: { id: 'call_2', name: 'b', arguments: '{}' } },
      { type: 'finish', reason: 'tool-calls' },
    ]);
  });

  it('reports an error event inside the stream', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.end(
        `data: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } })}\n\n`,
      );
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const error = (await collect(model.stream({ messages })).catch((e: unknown) => e)) as ProviderError;
    expect(error.code).toBe('provider_unavailable');
    expect(error.vendorType).toBe('server_error');
    // Nothing reached the caller yet, so a retry is safe.
    expect(error.retryable).toBe(true);
  });

  it('turns error bodies into typed errors with the vendor code and no secret', async () => {
    server = await startServer((req, res) => {
      const status = req.url.includes('bad') ? 400 : 401;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message:
              status === 401
                ? 'Incorrect API key provided: sk-secret-123456.'
                : "Invalid value for 'temperature'",
            type: 'invalid_request_error',
            param: null,
            code: status === 401 ? 'invalid_api_key' : 'invalid_value',
          },
        }),
      );
    });
    const auth = createOpenAIChatModel({ baseURL: server.origin, apiKey: 'sk-secret-123456', model: 'm' });
    const error = await collect(auth.stream({ messages })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e.code).toBe('provider_auth');
    expect(e.status).toBe(401);
    expect(e.vendorCode).toBe('invalid_api_key');
    expect(e.vendorType).toBe('invalid_request_error');
    expect(e.retryable).toBe(false);
    expect(e.message).not.toContain('sk-secret-123456');
    expect(JSON.stringify(e.cause)).not.toContain('sk-secret-123456');
    const bad = createOpenAIChatModel({ baseURL: `${server.origin}/bad`, model: 'm' });
    const e2 = (await collect(bad.stream({ messages })).catch((x: unknown) => x)) as ProviderError;
    expect(e2.code).toBe('provider_rejected');
    expect(e2.vendorCode).toBe('invalid_value');
    expect(e2.message).toContain("Invalid value for 'temperature'");
  });

  it('retries a 429 after the time Retry-After asks, then streams', async () => {
    server = await startServer((_req, res) => {
      if ((server?.requests.length ?? 0) === 1) {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after-ms': '30',
          'retry-after': '1',
        });
        res.end(
          JSON.stringify({
            error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
          }),
        );
        return;
      }
      sseHeaders(res);
      res.end(`${chunk({ content: 'ok' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
    const events: ProviderEvent[] = [];
    const model = new RetryingChatModel(createOpenAIChatModel({ baseURL: server.origin, model: 'm' }), {
      onEvent: (e) => events.push(e),
    });
    const parts = await collect(model.stream({ messages }));
    expect(textOf(parts)).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(events).toEqual([
      {
        type: 'provider-retry',
        provider: 'openai-compatible:m',
        attempt: 1,
        delayMs: 30,
        code: 'rate_limited',
      },
    ]);
  });

  it('reports a disconnect in mid-stream as a broken stream, after the text that arrived', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.write(chunk({ content: 'Hello' }));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const parts: ChatStreamPart[] = [];
    const error = await (async () => {
      for await (const p of model.stream({ messages })) parts.push(p);
    })().catch((e: unknown) => e);
    expect(textOf(parts)).toBe('Hello');
    expect((error as ProviderError).code).toBe('provider_stream_broken');
    expect((error as ProviderError).retryable).toBe(false);
  });

  it('aborts a slow first token at the caller deadline and closes the upstream request', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.write(': waiting\n\n');
      // The first token would come after 10 s.
      const timer = setTimeout(() => res.end(chunk({ content: 'late' })), 10_000);
      res.on('close', () => clearTimeout(timer));
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const error = await withDeadline('llm', 150, undefined, (signal) =>
      collect(model.stream({ messages, signal })),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    await server.requests[0]?.closed;
    expect(server.requests[0]?.clientAborted()).toBe(true);
  });

  it('closes the upstream request when the turn is aborted mid-stream', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.write(chunk({ content: 'first' }));
      const timer = setInterval(() => res.write(chunk({ content: ' more' })), 50);
      res.on('close', () => clearInterval(timer));
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    const controller = new AbortController();
    const error = await (async () => {
      for await (const part of model.stream({ messages, signal: controller.signal })) {
        if (part.type === 'text-delta') controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('aborted');
    await server.requests[0]?.closed;
    expect(server.requests[0]?.clientAborted()).toBe(true);
  });

  it('closes the upstream request when the consumer stops reading', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      const timer = setInterval(() => res.write(chunk({ content: 'x' })), 20);
      res.on('close', () => clearInterval(timer));
    });
    const model = createOpenAIChatModel({ baseURL: server.origin, model: 'm' });
    for await (const part of model.stream({ messages })) if (part.type === 'text-delta') break;
    await server.requests[0]?.closed;
    expect(server.requests[0]?.clientAborted()).toBe(true);
  });
});

describe('configuration', () => {
  it('reads OPENAI_BASE_URL and OPENAI_API_KEY like the official SDK, ignoring a trailing slash', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
    });
    const model = createOpenAIChatModel({
      model: 'llama3.2',
      env: { OPENAI_BASE_URL: `${server.origin}/v1/`, OPENAI_API_KEY: 'ollama' },
    });
    await collect(model.stream({ messages }));
    expect(server.requests[0]?.url).toBe('/v1/chat/completions');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ollama');
    expect(() => createOpenAIChatModel({ model: 'gpt-4o-mini', env: {} })).toThrow(/OPENAI_API_KEY/);
  });

  it('speaks Azure OpenAI: deployment path, api-version query, api-key header, no model field', async () => {
    server = await startServer((_req, res) => {
      sseHeaders(res);
      res.end(`${chunk({ content: 'hi' })}${chunk({}, 'length')}data: [DONE]\n\n`);
    });
    const model = createAzureOpenAIChatModel({
      endpoint: `${server.origin}/`,
      deployment: 'gpt4o-prod',
      apiKey: 'azure-key-1',
    });
    const parts = await collect(model.stream({ messages, maxTokens: 5 }));
    expect(parts[parts.length - 1]).toEqual({ type: 'finish', reason: 'length' });
    const req = server.requests[0];
    expect(req?.url).toBe('/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    expect(req?.headers['api-key']).toBe('azure-key-1');
    expect(req?.headers.authorization).toBeUndefined();
    expect(JSON.parse(req?.body.toString() ?? '').model).toBeUndefined();
  });

  it('parses Retry-After as seconds, HTTP date, or retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2', 'retry-after-ms': '150' }), now)).toBe(150);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });
});
