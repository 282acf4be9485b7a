import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Agent, DialogueEvent, NluResult } from '@visemo/core';
import { VisemoError } from '@visemo/core';
import { ChatFallbackChain, createOpenAIChatModel } from '@visemo/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chunk,
  type RecordedRequest,
  sseHeaders,
  startServer,
  type TestServer,
} from '../../providers/test/servers.js';
import { chunkSentences, LlmDialogue, type LlmDialogueEvent, loadAgent } from '../src/index.js';

/*
 * A model whose stream is cut off in the middle of a sentence, as an OpenAI-compatible server
 * sends it: the deltas of a reply as SSE, then the connection ends without a finish reason or
 * `[DONE]`, or the socket is torn down.
 */

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const OFF_DOMAIN: NluResult = {
  text: 'can you recommend a good pizza place in Berlin?',
  intent: null,
  confidence: 0,
  ranking: [],
  entities: [],
};

type Reply = (req: RecordedRequest, res: ServerResponse) => Promise<void>;
const replies: Reply[] = [];
let agent: Agent;
let llm: TestServer;

beforeAll(async () => {
  agent = await loadAgent(supportAgent);
  llm = await startServer(async (req, res) => {
    const reply = replies.shift();
    if (reply) return reply(req, res);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'no reply scripted', type: 'server_error' } }));
  });
});

afterAll(async () => {
  await llm?.close();
});

/** Streams the deltas, then ends as `ending` says: `finish` normally, `end` or `destroy` cut off. */
function stream(deltas: string[], ending: 'finish' | 'end' | 'destroy'): Reply {
  return async (_req, res) => {
    sseHeaders(res);
    res.write(chunk({ role: 'assistant', content: '' }));
    for (const delta of deltas) {
      res.write(chunk({ content: delta }));
      await new Promise((r) => setTimeout(r, 2));
    }
    if (ending === 'finish') {
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    } else if (ending === 'end') res.end();
    else res.socket?.destroy();
  };
}

function dialogue(events: LlmDialogueEvent[] = []): LlmDialogue {
  // As the server builds it from OPENAI_BASE_URL: a chain of one, with its breaker.
  const model = new ChatFallbackChain([
    { provider: createOpenAIChatModel({ baseURL: `${llm.origin}/v1`, model: 'test-model' }) },
  ]);
  return new LlmDialogue(agent, { model, onEvent: (e) => events.push(e) });
}

/** The reply as the server speaks it: its sentences as they complete, and the error that ended it. */
async function spoken(
  events: AsyncIterable<DialogueEvent>,
): Promise<{ sentences: string[]; error?: unknown }> {
  async function* texts() {
    for await (const event of events) if (event.type === 'text') yield event.text;
  }
  const sentences: string[] = [];
  try {
    for await (const sentence of chunkSentences(texts())) sentences.push(sentence);
  } catch (error) {
    return { sentences, error };
  }
  return { sentences };
}

describe('a model stream cut off mid-sentence', () => {
  it('speaks the whole sentences, not the fragment, and ends with provider_stream_broken', async () => {
    replies.push(stream(['I only know ', 'about ShopRight. ', 'For pizza, ', 'try a loc'], 'end'));
    const events: LlmDialogueEvent[] = [];
    const talk = dialogue(events);
    const reply = await talk.respond(OFF_DOMAIN);
    expect(reply.route).toBe('llm');
    const { sentences, error } = await spoken(reply.events);
    expect(sentences).toEqual(['I only know about ShopRight.']);
    expect(error).toBeInstanceOf(VisemoError);
    expect((error as VisemoError).code).toBe('provider_stream_broken');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'llm-failed', code: 'provider_stream_broken', afterText: true }),
    );
  });

  it('answers with the agent’s own reply when the cut comes before the first sentence ends', async () => {
    replies.push(stream(['Your order ', 'number is'], 'destroy'));
    const talk = dialogue();
    const reply = await talk.respond(OFF_DOMAIN);
    expect(reply.route).toBe('llm-fallback');
    expect(reply.llmFailure?.code).toBe('provider_stream_broken');
    const { sentences, error } = await spoken(reply.events);
    expect(error).toBeUndefined();
    expect(sentences.join(' ')).toBe(agent.spec.persona.fallback[0]);
    expect(sentences.join(' ')).not.toMatch(/Your order/);
  });

  it('speaks a reply that ends normally in full, its last sentence without a full stop included', async () => {
    replies.push(stream(['I can ', 'help with orders. ', 'Ask me anything'], 'finish'));
    const reply = await dialogue().respond(OFF_DOMAIN);
    const { sentences, error } = await spoken(reply.events);
    expect(error).toBeUndefined();
    expect(sentences).toEqual(['I can help with orders.', 'Ask me anything']);
  });
});
