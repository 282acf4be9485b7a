import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat server for load and fault benchmarks: it streams one of a few fixed
 * replies word by word as `chat.completion.chunk` SSE events, and for a share of the requests
 * misbehaves the way real servers do — the stream cut off in the middle of a sentence, no answer
 * at all, an answer that stops mid-reply, or HTTP 500.
 */

/** Replies of two or three short sentences (each under the chunker's 80-character early cut). */
const REPLIES = [
  ['I can help with that.', 'Standard delivery takes one to three working days.', 'Anything else?'],
  ['Thanks for asking.', 'We ship to eighteen countries in Europe.', 'Just tell me where you are.'],
  ['Good question.', 'Returns are free within thirty days.', 'You can start one in your account.'],
  ['Let me explain.', 'Your order number is on the confirmation email.', 'I can look it up for you.'],
];

/** What happens to one request. */
export type LlmFault =
  /** The whole reply, with a finish reason and `[DONE]`. */
  | 'none'
  /** The stream ends (or the socket is torn down) inside a sentence, before the finish. */
  | 'cut'
  /** Headers and then nothing: the model never answers. */
  | 'stall'
  /** The first sentence and part of the second, then nothing more. */
  | 'stall-mid'
  /** HTTP 500 with an OpenAI-style error body. */
  | 'error';

export interface FakeLlmOptions {
  /** Share of requests for each fault; the rest are answered whole. */
  faults: Partial<Record<Exclude<LlmFault, 'none'>, number>>;
  /** Delay before the first token, ms. Default 150. */
  firstTokenMs?: number;
  /** Delay between tokens, ms. Default 12 (about 80 tokens per second, a small local model). */
  tokenMs?: number;
  /** Seed of the fault draw, so runs are comparable. */
  seed?: number;
}

export interface FakeLlm {
  /** The API root with its `/v1`, as OPENAI_BASE_URL takes it. */
  baseURL: string;
  /** Requests by what was done to them. */
  requests: Record<LlmFault, number>;
  /** Every sentence a reply may contain, as the sentence chunker cuts it. */
  sentences: ReadonlySet<string>;
  close(): Promise<void>;
}

export async function startFakeLlm(options: FakeLlmOptions): Promise<FakeLlm> {
  const firstTokenMs = options.firstTokenMs ?? 150;
  const tokenMs = options.tokenMs ?? 12;
  let state = options.seed ?? 1;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const requests: Record<LlmFault, number> = { none: 0, cut: 0, stall: 0, 'stall-mid': 0, error: 0 };
  const draw = (): LlmFault => {
    let at = random();
    for (const [fault, share] of Object.entries(options.faults) as [LlmFault, number][]) {
      if (at < share) return fault;
      at -= share;
    }
    return 'none';
  };
  let served = 0;
  const open = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // The request body is not needed: every question gets one of the fixed replies.
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const fault = draw();
    requests[fault]++;
    const reply = REPLIES[served++ % REPLIES.length] as string[];
    if (fault === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'the model crashed', type: 'server_error', code: null } }));
      return;
    }
    open.add(res);
    res.on('close', () => open.delete(res));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(sse({ role: 'assistant', content: '' }));
    if (fault === 'stall') return; // the client's deadline ends it
    const tokens = words(reply.join(' '));
    let stopAt = tokens.length;
    if (fault === 'cut' || fault === 'stall-mid')
      stopAt = insideSentence(tokens, random, fault === 'stall-mid');
    await sleep(firstTokenMs);
    for (let i = 0; i < stopAt; i++) {
      if (res.destroyed) return;
      res.write(sse({ content: tokens[i] }));
      await sleep(tokenMs);
    }
    if (fault === 'stall-mid') return;
    if (fault === 'cut') {
      // Both ways a stream is cut short: a clean end without the finish, and a dropped connection.
      if (random() < 0.5) res.end();
      else res.socket?.destroy();
      return;
    }
    res.write(sse({}, 'stop'));
    res.end('data: [DONE]\n\n');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    sentences: new Set(REPLIES.flat()),
    close: async () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Word tokens as a model streams them: each word with the space before it. */
function words(text: string): string[] {
  return text.split(' ').map((w, i) => (i === 0 ? w : ` ${w}`));
}

/**
 * A token count to stop after that leaves a sentence unfinished: after at least one token of the
 * sentence and before its last. With `afterFirst`, in the second sentence or later.
 */
function insideSentence(tokens: string[], random: () => number, afterFirst: boolean): number {
  const cuts: number[] = [];
  let sentence = 0;
  for (let i = 1; i < tokens.length; i++) {
    const endsSentence = /[.!?]$/.test(tokens[i - 1] as string);
    if (endsSentence) sentence++;
    // Stopping after i tokens: token i-1 was sent; it must not end a sentence.
    if (!endsSentence && (!afterFirst || sentence >= 1)) cuts.push(i);
  }
  return cuts[Math.floor(random() * cuts.length)] ?? 1;
}

function sse(delta: Record<string, unknown>, finishReason: string | null = null): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'bench-model',
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })}\n\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
