import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sseHeaders, startServer, type TestServer } from '../../providers/test/servers.js';
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { TestCaller } from './support/test-caller.js';

/*
 * docs/protocol.md, `error`: a model's reply that breaks off is never spoken as a fragment. The
 * model is an OpenAI-compatible server whose stream ends in the middle of a sentence.
 */

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
/** No NLU intent matches it, and no knowledge page answers it: the model answers. */
const OFF_DOMAIN = 'can you recommend a good pizza place in Berlin?';

const replies: string[][] = [];
let llm: TestServer;
let runtime: EmbeddedRuntime;
let app: FastifyInstance;
let url: string;

/** Streams the next scripted deltas, then ends the response without a finish reason or [DONE]. */
async function cutStream(res: ServerResponse): Promise<void> {
  sseHeaders(res);
  res.write(chunk({ role: 'assistant', content: '' }));
  for (const delta of replies.shift() ?? []) {
    res.write(chunk({ content: delta }));
    await new Promise((r) => setTimeout(r, 5));
  }
  res.end();
}

beforeAll(async () => {
  llm = await startServer((_req, res) => cutStream(res));
  runtime = await createEmbeddedRuntime(supportAgent, {
    speechInput: false,
    env: { OPENAI_BASE_URL: `${llm.origin}/v1` },
  });
  app = await createServer({ runtime: runtime.runtime });
  url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
});

afterAll(async () => {
  await app?.close();
  await runtime?.close();
  await llm?.close();
});

describe('a model stream cut off mid-sentence', () => {
  it('speaks the sentences already whole, sends provider_stream_broken, and ends the turn', async () => {
    replies.push(['I only know ', 'about ShopRight. ', 'For pizza, ', 'ask a local gu']);
    const caller = await TestCaller.start(url, { audio: true });
    const mark = caller.mark();
    caller.send({ type: 'text', text: OFF_DOMAIN });
    const end = await caller.waitFor('turn.end', () => true, { after: mark });
    expect(caller.of('response.text', mark).map((e) => e.text)).toEqual(['I only know about ShopRight.']);
    expect(caller.of('audio.chunk', mark).map((e) => e.text)).toEqual(['I only know about ShopRight.']);
    expect(caller.of('error', mark)).toEqual([
      expect.objectContaining({ code: 'provider_stream_broken', fatal: false }),
    ]);
    expect(end.spokenText).not.toMatch(/pizza|local/);
    caller.close();
  });

  it('gives the agent’s own answer when the cut comes before a sentence is whole', async () => {
    replies.push(['Your order ', 'is']);
    const caller = await TestCaller.start(url, { audio: false });
    const mark = caller.mark();
    caller.send({ type: 'text', text: OFF_DOMAIN });
    await caller.waitFor('turn.end', () => true, { after: mark });
    const texts = caller.of('response.text', mark);
    expect(texts.map((e) => e.answeredBy)).toEqual(texts.map(() => 'fallback'));
    expect(runtime.agent.spec.persona.fallback).toContain(texts.map((e) => e.text).join(' '));
    expect(caller.of('error', mark)).toEqual([]);
    caller.close();
  });
});
