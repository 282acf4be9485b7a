import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVisemo } from './support/run-visemo.js';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: { model: string; messages: { role: string; content: string }[]; stream: boolean };
}

/** Chunks as Ollama's OpenAI-compatible endpoint writes them (`fp_ollama`, role on every delta). */
function ollamaChunk(content: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-611',
    object: 'chat.completion.chunk',
    created: 1_741_000_000,
    model: 'llama3.2',
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finish }],
  })}\n\n`;
}

const seen: Seen[] = [];
const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  seen.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of [
    "I can't recommend ",
    'restaurants, sorry. ',
    'I can help with your ShopRight order.',
  ]) {
    res.write(ollamaChunk(piece));
  }
  res.write(ollamaChunk('', 'stop'));
  res.end('data: [DONE]\n\n');
});
let baseURL = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs `visemo chat --json` with the lines on standard input; returns one parsed object per line. */
async function chat(lines: string[], env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const inherited = { ...process.env };
  for (const name of ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'VISEMO_LLM_MODEL']) delete inherited[name];
  const { code, stdout, stderr } = await runVisemo(
    ['chat', '--agent', 'examples/support-agent', '--json'],
    `${lines.join('\n')}\n`,
    { ...inherited, ...env },
  );
  expect(code, stderr).toBe(0);
  return stdout
    .split('\n')
    .filter((l: string) => l.trim())
    .map((l: string) => JSON.parse(l) as Record<string, unknown>);
}

describe('visemo chat with OPENAI_BASE_URL', () => {
  it('answers an off-domain question through the local model, and intents by itself', async () => {
    const results = await chat(['hello', 'can you recommend a good pizza place in Berlin?'], {
      OPENAI_BASE_URL: baseURL,
    });
    expect(results.map((r) => [r.answeredBy, r.reply])).toEqual([
      ['intent', expect.any(String)],
      ['llm', "I can't recommend restaurants, sorry. I can help with your ShopRight order."],
    ]);
    expect(results[0]?.intent).toBe('greeting');
    // Only the off-domain line reached the model: the default model, no key, the persona prompt.
    expect(seen).toHaveLength(1);
    const request = seen[0] as Seen;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body.model).toBe('llama3.2');
    expect(request.body.stream).toBe(true);
    expect(request.body.messages[0]?.content).toContain('You are Maya');
    expect(request.body.messages.at(-1)).toEqual({
      role: 'user',
      content: 'can you recommend a good pizza place in Berlin?',
    });
  });
});
