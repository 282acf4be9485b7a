import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatModel, SpeechSynthesizer } from '@visemo/core';
import { chunkSentences } from '@visemo/dialogue';
import { ChatFallbackChain, createOpenAIChatModel } from '@visemo/providers';
import { FliteSynthesizer } from '@visemo/speech';
import type { BenchRow } from './table.js';

const REPLY =
  'Sure, I can help you with that booking. We have a table for two free at seven tonight, or at eight thirty if you prefer a later dinner. Shall I reserve one of those for you? I can also add a note about any allergies.';

/** Splits the reply into ~4-character tokens, as a BPE tokenizer roughly would for English. */
function tokens(text: string): string[] {
  return text.match(/\s?\S{1,4}|\s/g) ?? [];
}

/**
 * A local OpenAI-compatible server that streams REPLY at `tokensPerSecond` after `firstTokenMs`,
 * or never answers when `hang` is set.
 */
async function fakeLlm(options: { firstTokenMs: number; tokensPerSecond: number; hang?: boolean }): Promise<{
  origin: string;
  close: () => Promise<void>;
}> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (options.hang) return;
    const parts = tokens(REPLY);
    const start = performance.now();
    let i = 0;
    const frame = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const next = () => {
      if (res.destroyed) return;
      if (i === parts.length) {
        res.end(`${frame({}, 'stop')}data: [DONE]\n\n`);
        return;
      }
      res.write(frame({ content: parts[i] }, null));
      i++;
      // Absolute schedule, so timer lateness does not add up over the reply.
      const due = start + options.firstTokenMs + (i * 1000) / options.tokensPerSecond;
      setTimeout(next, Math.max(0, due - performance.now()));
    };
    setTimeout(next, options.firstTokenMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface TurnTimes {
  firstTokenMs: number;
  firstSentenceMs: number;
  firstAudioMs: number;
  fullReplyMs: number;
}

/** Streams one reply through the sentence chunker and synthesizes each sentence as it completes. */
async function speakTurn(model: ChatModel, tts: SpeechSynthesizer): Promise<TurnTimes> {
  const t0 = performance.now();
  let firstTokenMs = Number.NaN;
  let firstSentenceMs = Number.NaN;
  let firstAudioMs = Number.NaN;
  let fullReplyMs = Number.NaN;
  async function* deltas(): AsyncGenerator<string> {
    for await (const part of model.stream({ messages: [{ role: 'user', content: 'Book a table' }] })) {
      if (part.type !== 'text-delta') continue;
      if (Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - t0;
      yield part.text;
    }
    fullReplyMs = performance.now() - t0;
  }
  const pending: Promise<void>[] = [];
  for await (const sentence of chunkSentences(deltas())) {
    if (Number.isNaN(firstSentenceMs)) firstSentenceMs = performance.now() - t0;
    pending.push(
      tts.synthesize({ text: sentence }).then(() => {
        if (Number.isNaN(firstAudioMs)) firstAudioMs = performance.now() - t0;
      }),
    );
  }
  await Promise.all(pending);
  return { firstTokenMs, firstSentenceMs, firstAudioMs, fullReplyMs };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/**
 * Time to first audio with a streaming LLM (local fake at 30 tokens/s, 300 ms to first token) and
 * Flite TTS per sentence, against the full reply time; and what a fallback chain adds when its
 * first provider hangs past its hop timeout.
 */
export async function benchProviders(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const llm = await fakeLlm({ firstTokenMs: 300, tokensPerSecond: 30 });
  const flite = new FliteSynthesizer();
  try {
    await flite.prepare();
    const model = createOpenAIChatModel({ baseURL: llm.origin, model: 'bench' });
    const t0 = performance.now();
    const firstSentence = (await flite.synthesize({ text: 'Sure, I can help you with that booking.' })).audio;
    const ttsMs = performance.now() - t0;
    const turns: TurnTimes[] = [];
    for (let i = 0; i < 3; i++) turns.push(await speakTurn(model, flite));
    const m = (key: keyof TurnTimes) => median(turns.map((t) => t[key]));
    rows.push(
      {
        name: 'reply tokens (30 tokens/s, 300 ms to first token)',
        value: tokens(REPLY).length,
        unit: 'count',
      },
      { name: 'first LLM token', value: m('firstTokenMs'), unit: 'ms' },
      { name: 'first sentence complete', value: m('firstSentenceMs'), unit: 'ms' },
      { name: 'Flite synthesis of the first sentence', value: ttsMs, unit: 'ms' },
      {
        name: 'first sentence audio length',
        value: (firstSentence.samples.length / firstSentence.sampleRate) * 1000,
        unit: 'ms',
      },
      { name: 'first audio ready (sentence chunking)', value: m('firstAudioMs'), unit: 'ms' },
      { name: 'full reply received (what waiting would cost)', value: m('fullReplyMs'), unit: 'ms' },
    );
  } finally {
    await flite.close();
    await llm.close();
  }

  const hung = await fakeLlm({ firstTokenMs: 0, tokensPerSecond: 30, hang: true });
  const backup = await fakeLlm({ firstTokenMs: 300, tokensPerSecond: 30 });
  try {
    const timeoutMs = 500;
    const direct = createOpenAIChatModel({ baseURL: backup.origin, model: 'backup' });
    const firstToken = async (model: ChatModel) => {
      const t0 = performance.now();
      for await (const part of model.stream({ messages: [{ role: 'user', content: 'hi' }] })) {
        if (part.type === 'text-delta') return performance.now() - t0;
      }
      return Number.NaN;
    };
    const directMs: number[] = [];
    const chainMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      directMs.push(await firstToken(direct));
      // A new chain each time: a shared one would open its breaker and skip the hung provider.
      const chain = new ChatFallbackChain([
        { provider: createOpenAIChatModel({ baseURL: hung.origin, model: 'primary' }), timeoutMs },
        { provider: direct, timeoutMs: 5000 },
      ]);
      chainMs.push(await firstToken(chain));
    }
    rows.push(
      { name: 'first token, backup provider direct', value: median(directMs), unit: 'ms' },
      {
        name: `first token via chain, primary hangs (hop timeout ${timeoutMs} ms)`,
        value: median(chainMs),
        unit: 'ms',
      },
      {
        name: 'fallback cost beyond the hop timeout',
        value: median(chainMs) - median(directMs) - timeoutMs,
        unit: 'ms',
      },
    );
  } finally {
    await hung.close();
    await backup.close();
  }
  return rows;
}
