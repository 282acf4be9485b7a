import { appendFile, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentDefinitionError } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chunk,
  type RecordedRequest,
  sseHeaders,
  startServer,
  type TestServer,
} from '../../providers/test/servers.js';
import { loadConfiguredAgent } from '../src/configured-agent.js';
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import type { ServerEvent } from '../src/protocol/server-events.js';
import type { RuntimeEvent } from '../src/provider-runtime.js';
import { ConversationSession } from '../src/session/conversation-session.js';
import { TestCaller } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
/** No NLU intent matches it, and no knowledge page answers it. */
const OFF_DOMAIN = 'can you recommend a good pizza place in Berlin?';

type Reply = (req: RecordedRequest, res: ServerResponse) => Promise<void>;

/** An OpenAI-compatible chat server whose answer to each request the test sets. */
let llm: TestServer;
const replies: Reply[] = [];
let temp: string;

beforeAll(async () => {
  llm = await startServer(async (req, res) => {
    const reply = replies.shift();
    if (!reply) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'no reply scripted', type: 'server_error' } }));
      return;
    }
    await reply(req, res);
  });
  temp = await mkdtemp(path.join(tmpdir(), 'visemo-providers-'));
});

beforeEach(() => {
  replies.length = 0;
});

afterAll(async () => {
  await llm?.close();
  await rm(temp, { recursive: true, force: true });
});

/** A copy of the support agent with `extra` appended to its agent.yaml. */
async function agentWith(name: string, extra: string): Promise<string> {
  const dir = path.join(temp, name);
  await cp(supportAgent, dir, { recursive: true });
  await appendFile(path.join(dir, 'agent.yaml'), `\n${extra}\n`);
  return dir;
}

/** Streams the deltas as `chat.completion.chunk` events; waits for `hold` after `holdAfter` deltas. */
/** The agent in `dir` on embedded defaults with no environment, and the provider events it reports. */
async function runtimeWithEvents(
  dir: string,
  { speechInput = false }: { speechInput?: boolean } = {},
): Promise<{ runtime: EmbeddedRuntime; events: RuntimeEvent[] }> {
  const events: RuntimeEvent[] = [];
  const runtime = await createEmbeddedRuntime(dir, {
    speechInput,
    env: {},
    onProviderEvent: (e) => events.push(e),
  });
  return { runtime, events };
}

function streamText(deltas: string[], hold?: { after: number; until: Promise<void> }): Reply {
  return async (_req, res) => {
    sseHeaders(res);
    res.write(chunk({ role: 'assistant', content: '' }));
    for (const [i, delta] of deltas.entries()) {
      if (hold && i === hold.after) await hold.until;
      if (res.destroyed) return;
      res.write(chunk({ content: delta }));
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  };
}

/** Streams one tool call the way OpenAI does: id and name first, the arguments in pieces. */
function streamToolCall(id: string, name: string, args: string): Reply {
  return async (_req, res) => {
    sseHeaders(res);
    res.write(chunk({ role: 'assistant', content: null }));
    res.write(chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] }));
    for (let i = 0; i < args.length; i += 5) {
      res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 5) } }] }));
    }
    res.write(chunk({}, 'tool_calls'));
    res.end('data: [DONE]\n\n');
  };
}

/** Never answers; resolves `closed` when the client goes away. */
const silent: Reply = async (req) => {
  await req.closed;
};

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A session driven in-process, as `visemo chat` does. */
class Conversation {
  readonly events: ServerEvent[] = [];
  private wake: (() => void) | null = null;
  readonly session: ConversationSession;

  constructor(runtime: EmbeddedRuntime, audio: boolean) {
    this.session = new ConversationSession(runtime.runtime, {
      sendEvent: (event) => {
        this.events.push(event);
        this.wake?.();
      },
      sendAudio: () => {},
      close: () => {},
    });
    this.send({ type: 'session.start', protocol: 1, audio, greet: false });
  }

  send(message: unknown): void {
    this.session.handleText(JSON.stringify(message));
  }

  say(text: string): number {
    const mark = this.events.length;
    this.send({ type: 'text', text });
    return mark;
  }

  async waitFor<T extends ServerEvent['type']>(
    type: T,
    after = 0,
    where: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerEvent, { type: T }>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = this.events
        .slice(after)
        .find((e): e is Extract<ServerEvent, { type: T }> => e.type === type && where(e as never));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${type}; got ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  /** The audio chunks of the reply to `text`, once the turn has ended. */
  async spokenReply(text: string): Promise<Extract<ServerEvent, { type: 'audio.chunk' }>[]> {
    const mark = this.say(text);
    await this.waitFor('turn.end', mark);
    return this.of('audio.chunk', mark);
  }

  of<T extends ServerEvent['type']>(type: T, after = 0): Extract<ServerEvent, { type: T }>[] {
    return this.events.slice(after).filter((e): e is Extract<ServerEvent, { type: T }> => e.type === type);
  }

  close(): void {
    this.session.close();
  }
}

describe('an agent with an LLM in providers:', () => {
  let runtime: EmbeddedRuntime;
  const events: RuntimeEvent[] = [];

  beforeAll(async () => {
    const dir = await agentWith(
      'llm',
      `providers:
  llm:
    - type: openai-compatible
      baseURL: ${llm.origin}/v1
      model: test-model
  retry: { retries: 0 }
llm:
  routing:
    intents: [greeting, goodbye, thanks]`,
    );
    runtime = await createEmbeddedRuntime(dir, { speechInput: false, env: {} });
    runtime.onProviderEvent((e) => events.push(e));
  });

  afterAll(async () => {
    await runtime?.close();
  });

  it('streams an off-domain answer sentence by sentence, speaking the first before the rest exists', async () => {
    expect(runtime.llm).toEqual({ name: 'fallback(openai-compatible:test-model)', source: 'providers' });
    // The model is a stage of the runtime, like the recognizer and the synthesizer.
    expect(runtime.runtime.llm?.name).toBe('fallback(openai-compatible:test-model)');
    const rest = deferred();
    replies.push(
      // A sentence end is certain once the next sentence starts: the model holds after its first letter.
      streamText(['I only know ', 'about ShopRight, ', 'sorry. T', 'ry a local guide for pizza.'], {
        after: 3,
        until: rest.promise,
      }),
    );
    const talk = new Conversation(runtime, true);
    const mark = talk.say(OFF_DOMAIN);
    // The first sentence is out, as text and as audio, while the model has not sent the second.
    const first = await talk.waitFor('response.text', mark);
    expect(first).toMatchObject({ text: 'I only know about ShopRight, sorry.', answeredBy: 'llm' });
    const audio = await talk.waitFor('audio.chunk', mark);
    expect(audio).toMatchObject({ seq: 0, text: 'I only know about ShopRight, sorry.' });
    rest.resolve();
    const end = await talk.waitFor('turn.end', mark);
    expect(talk.of('response.text', mark).map((e) => e.text)).toEqual([
      'I only know about ShopRight, sorry.',
      'Try a local guide for pizza.',
    ]);
    expect(end.interrupted).toBe(false);
    expect(end.spokenText).toMatch(/^I only know about ShopRight, sorry\. Try a local guide for pizza\.?$/);

    const request = JSON.parse(llm.requests.at(-1)?.body.toString() ?? '{}');
    expect(request).toMatchObject({ model: 'test-model', stream: true });
    expect(request.messages[0].content).toContain('You are Maya');
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: OFF_DOMAIN });
    expect(request.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      'order_lookup',
      'handoff_to_human',
    ]);
    talk.close();
  });

  it('looks up an order through a tool call and speaks the model answer', async () => {
    replies.push(streamToolCall('call_1', 'order_lookup', '{"order_number":"482913"}'));
    let toolResult = '';
    replies.push(async (req, res) => {
      const body = JSON.parse(req.body.toString());
      toolResult = body.messages.at(-1).content;
      expect(body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
      expect(body.messages.at(-2).tool_calls[0].function).toEqual({
        name: 'order_lookup',
        arguments: '{"order_number":"482913"}',
      });
      await streamText(['Your order left on 11 March. ', 'DHL expects to deliver it on 13 March.'])(req, res);
    });
    const talk = new Conversation(runtime, false);
    const mark = talk.say('where is my order 482913?');
    const end = await talk.waitFor('turn.end', mark);
    expect(JSON.parse(toolResult)).toMatchObject({
      found: true,
      record: { order_number: '482913', carrier: 'DHL', eta: '2025-03-13' },
    });
    expect(talk.of('response.text', mark).map((e) => [e.text, e.answeredBy])).toEqual([
      ['Your order left on 11 March.', 'llm'],
      ['DHL expects to deliver it on 13 March.', 'llm'],
    ]);
    expect(end.spokenText).toMatch(/DHL expects to deliver it on 13 March/);
    expect(events).toContainEqual({
      type: 'llm-tool-call',
      tool: 'order_lookup',
      arguments: '{"order_number":"482913"}',
      ok: true,
    });
    talk.close();
  });

  it('keeps answering routed intents itself without calling the model', async () => {
    const before = llm.requests.length;
    const talk = new Conversation(runtime, false);
    const mark = talk.say('hello');
    await talk.waitFor('turn.end', mark);
    expect(talk.of('response.text', mark)[0]?.answeredBy).toBe('intent');
    expect(llm.requests.length).toBe(before);
    talk.close();
  });

  it('aborts the upstream request on barge-in', async () => {
    const never = deferred();
    replies.push(
      streamText(['Let me think about pizza. B', 'erlin has many places.'], {
        after: 1,
        until: never.promise,
      }),
    );
    const talk = new Conversation(runtime, false);
    const mark = talk.say(OFF_DOMAIN);
    await talk.waitFor('response.text', mark);
    const upstream = llm.requests.at(-1) as RecordedRequest;
    expect(upstream.clientAborted()).toBe(false);
    talk.send({ type: 'interrupt' });
    await upstream.closed;
    expect(upstream.clientAborted()).toBe(true);
    const end = await talk.waitFor('turn.end', mark);
    expect(end.interrupted).toBe(true);
    expect(end.spokenText).toBe('Let me think about pizza.');
    never.resolve();
    talk.close();
  });
});

describe('when the model does not answer in time', () => {
  it('gives the agent’s own answer, reports it, and the conversation goes on', async () => {
    const dir = await agentWith(
      'slow-llm',
      `providers:
  llm:
    - type: openai-compatible
      baseURL: ${llm.origin}/v1
      model: slow-model
  retry: { retries: 0 }
llm:
  timeoutMs: 1000`,
    );
    const { runtime, events } = await runtimeWithEvents(dir);
    const talk = new Conversation(runtime, false);

    replies.push(silent);
    let mark = talk.say(OFF_DOMAIN);
    let end = await talk.waitFor('turn.end', mark);
    const stalled = llm.requests.at(-1) as RecordedRequest;
    await stalled.closed;
    expect(stalled.clientAborted()).toBe(true);
    const fallback = talk.of('response.text', mark);
    expect(new Set(fallback.map((e) => e.answeredBy))).toEqual(new Set(['fallback']));
    expect(runtime.agent.spec.persona.fallback).toContain(fallback.map((e) => e.text).join(' '));
    expect(end.interrupted).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'llm-failed', code: 'provider_timeout', afterText: false }),
    );

    // The next turn gets the model again.
    replies.push(streamText(['Sorry for the wait. ', 'How can I help?']));
    mark = talk.say('what is the capital of France?');
    end = await talk.waitFor('turn.end', mark);
    expect(talk.of('response.text', mark).map((e) => e.answeredBy)).toEqual(['llm', 'llm']);
    expect(end.spokenText).toBe('Sorry for the wait. How can I help?');
    talk.close();
    await runtime.close();
  });
});

describe('a chain of models', () => {
  it('moves on to the next model when the first cannot be reached, and reports it', async () => {
    const gone = await startServer(() => {});
    const unreachable = gone.origin;
    await gone.close();
    const dir = await agentWith(
      'two-models',
      `providers:
  llm:
    - type: openai-compatible
      baseURL: ${unreachable}/v1
      model: first
    - type: openai-compatible
      baseURL: ${llm.origin}/v1
      model: second
  retry: { retries: 0 }`,
    );
    const { runtime, events } = await runtimeWithEvents(dir);
    replies.push(streamText(['The second model answers.']));
    const talk = new Conversation(runtime, false);
    const mark = talk.say(OFF_DOMAIN);
    await talk.waitFor('turn.end', mark);
    expect(talk.of('response.text', mark)[0]).toMatchObject({
      text: 'The second model answers.',
      answeredBy: 'llm',
    });
    expect(JSON.parse(llm.requests.at(-1)?.body.toString() ?? '{}').model).toBe('second');
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'provider-failed', kind: 'llm', provider: 'openai-compatible:first' }),
    );
    expect(events).toContainEqual({
      type: 'provider-fallback',
      kind: 'llm',
      from: 'openai-compatible:first',
      to: 'openai-compatible:second',
    });
    talk.close();
  });
});

describe('speech providers in a chain', () => {
  it('falls back from a failing cloud voice to Flite, with per-hop events', async () => {
    const tts = await startServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }));
    });
    try {
      const dir = await agentWith(
        'tts',
        `providers:
  tts:
    - type: openai-compatible
      baseURL: ${tts.origin}/v1
      voice: nova
  retry: { retries: 0 }`,
      );
      const { runtime, events } = await runtimeWithEvents(dir);
      expect(runtime.llm).toBeNull();
      expect(runtime.runtime.llm).toBeNull();
      // Flite is appended as the last hop; the first hop's voice is the default voice.
      expect(runtime.runtime.synthesizer.name).toMatch(/^fallback\(openai-tts:\S+ > flite\)$/);
      expect(runtime.runtime.persona.voice).toBe('nova');
      const talk = new Conversation(runtime, true);
      const chunks = await talk.spokenReply('what are your opening hours');
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks[0]?.visemes.some((v) => v.viseme !== 'sil')).toBe(true);
      expect(tts.requests.length).toBeGreaterThan(0);
      expect(events).toContainEqual(expect.objectContaining({ type: 'provider-failed', kind: 'tts' }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'provider-fallback', kind: 'tts' }));
      talk.close();
      await runtime.close();
    } finally {
      await tts.close();
    }
  });
});

describe('an agent speaking through eSpeak', () => {
  it('speaks its replies in the configured eSpeak voice, with visemes and words', async () => {
    const dir = await agentWith(
      'espeak',
      `providers:
  tts:
    - type: espeak
      voice: en-us`,
    );
    const { runtime } = await runtimeWithEvents(dir);
    try {
      expect(runtime.runtime.synthesizer.name).toMatch(/^fallback\(espeak > flite\)$/);
      expect(runtime.runtime.persona.voice).toBe('en-us');
      const talk = new Conversation(runtime, true);
      const [first] = await talk.spokenReply('what are your opening hours');
      expect(first?.visemes.map((v) => v.viseme)).toContain('PP');
      // One timing per written word of the sentence, for the captions.
      const written = first?.text.split(/\s+/).map((w) => w.replace(/^\W+|\W+$/g, ''));
      expect(first?.words.map((w) => w.word)).toEqual(written?.filter((w) => w !== ''));
      talk.close();
    } finally {
      await runtime.close();
    }
  });
});

describe('speech input in a chain', () => {
  it('gives the whole utterance to the grammar recognizer when the cloud recognizer fails', async () => {
    const asr = await startServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'model not loaded', type: 'server_error' } }));
    });
    const flite = new FliteSynthesizer();
    try {
      const dir = await agentWith(
        'asr',
        `providers:
  asr:
    - type: openai-compatible
      baseURL: ${asr.origin}/v1
      model: whisper-1`,
      );
      const { runtime, events } = await runtimeWithEvents(dir, { speechInput: true });
      expect(runtime.runtime.recognizer?.name).toMatch(/^fallback\(openai\S* > soundswallower-grammar\)$/);
      const talk = new Conversation(runtime, false);
      await talk.waitFor('session.started');
      const { audio } = await flite.synthesize({ text: 'what are your opening hours', voice: 'rms' });
      // Silence, the question, then silence for the end of the utterance, in 20 ms frames.
      const samples = new Int16Array(4800 + audio.samples.length + 16000);
      samples.set(audio.samples, 4800);
      for (let at = 0; at < samples.length; at += 320) {
        talk.session.handleBinary(new Uint8Array(samples.slice(at, at + 320).buffer));
      }
      const final = await talk.waitFor('transcript.final');
      expect(final).toMatchObject({
        text: 'what are your opening hours',
        understood: true,
        source: 'speech',
      });
      // The cloud recognizer was asked first, with the utterance as a WAV file.
      expect(asr.requests).toHaveLength(1);
      expect(asr.requests[0]?.url).toBe('/v1/audio/transcriptions');
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'provider-fallback', kind: 'asr', to: 'soundswallower-grammar' }),
      );
      const nlu = await talk.waitFor('nlu');
      expect(nlu.intent).toBe('opening_hours');
      talk.close();
      await runtime.close();
    } finally {
      await flite.close();
      await asr.close();
    }
  });
});

describe('provider health and metrics of a served agent', () => {
  it('shows each circuit in /health and each provider in /metrics, and tells the client only protocol events', async () => {
    const tts = await startServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }));
    });
    const dir = await agentWith(
      'served',
      `providers:
  llm:
    - type: openai-compatible
      baseURL: ${llm.origin}/v1
      model: counted-model
  tts:
    - type: openai-compatible
      baseURL: ${tts.origin}/v1
  retry: { retries: 0 }
  circuitBreaker: { failureThreshold: 1 }`,
    );
    const embedded = await createEmbeddedRuntime(dir, { speechInput: false, env: {} });
    const app = await createServer({
      runtime: embedded.runtime,
      onProviderEvent: embedded.onProviderEvent,
      breakers: embedded.breakers,
    });
    try {
      const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
      replies.push(async (_req, res) => {
        sseHeaders(res);
        res.write(chunk({ content: 'Try a local guide for pizza.' }));
        res.write(chunk({}, 'stop'));
        res.write(
          `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 41, completion_tokens: 7 } })}\n\n`,
        );
        res.end('data: [DONE]\n\n');
      });
      const caller = await TestCaller.start(url, { audio: true });
      caller.send({ type: 'text', text: OFF_DOMAIN });
      await caller.waitFor('turn.end');
      caller.socket.close();
      expect(JSON.parse(llm.requests.at(-1)?.body.toString() ?? '{}').stream_options).toEqual({
        include_usage: true,
      });

      // Timings and usage go to the metrics; the client's provider events stay those of the protocol.
      const told = caller.of('provider').map((e) => e.event);
      expect(told).toContain('provider-fallback');
      expect(told).not.toContain('provider-call');

      const health = (await app.inject({ url: '/health' })).json();
      expect(health).toMatchObject({ status: 'ok' });
      expect(health.providers).toEqual([
        { provider: 'openai-compatible:counted-model', state: 'closed', failures: 0 },
        { provider: 'openai-tts:gpt-4o-mini-tts', state: 'open', failures: 1 },
        { provider: 'flite', state: 'closed', failures: 0 },
      ]);

      const metrics = (await app.inject({ url: '/metrics' })).body;
      const model = 'kind="llm",provider="openai-compatible:counted-model"';
      expect(metrics).toContain(`visemo_provider_first_byte_seconds_count{${model}} 1`);
      expect(metrics).toContain(`visemo_provider_call_seconds_count{${model},outcome="ok"} 1`);
      expect(metrics).toContain(`visemo_provider_usage_total{${model},unit="input_tokens"} 41`);
      expect(metrics).toContain(`visemo_provider_usage_total{${model},unit="output_tokens"} 7`);
      expect(metrics).toMatch(
        /visemo_provider_call_seconds_count\{kind="tts",provider="openai-tts:gpt-4o-mini-tts",outcome="failed"\} 1\n/,
      );
      expect(metrics).toMatch(
        /visemo_provider_first_byte_seconds_count\{kind="tts",provider="flite"\} [1-9]/,
      );
    } finally {
      await app.close();
      await embedded.close();
      await tts.close();
    }
  });
});

describe('the model from the environment', () => {
  it('uses OPENAI_BASE_URL with VISEMO_LLM_MODEL and OPENAI_API_KEY when agent.yaml names no model', async () => {
    const runtime = await createEmbeddedRuntime(supportAgent, {
      speechInput: false,
      env: {
        OPENAI_BASE_URL: `${llm.origin}/v1/`,
        OPENAI_API_KEY: 'sk-test-0123456789',
        VISEMO_LLM_MODEL: 'qwen2.5:3b',
      },
    });
    expect(runtime.llm).toEqual({ name: 'fallback(openai-compatible:qwen2.5:3b)', source: 'environment' });
    replies.push(streamText(['Hello from the environment.']));
    const talk = new Conversation(runtime, false);
    const mark = talk.say(OFF_DOMAIN);
    await talk.waitFor('turn.end', mark);
    expect(talk.of('response.text', mark)[0]).toMatchObject({
      text: 'Hello from the environment.',
      answeredBy: 'llm',
    });
    const request = llm.requests.at(-1) as RecordedRequest;
    expect(request.url).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-0123456789');
    expect(JSON.parse(request.body.toString()).model).toBe('qwen2.5:3b');
    talk.close();
  });

  it('stays embedded without OPENAI_BASE_URL, or when providers are turned off', async () => {
    const off = await createEmbeddedRuntime(supportAgent, {
      speechInput: false,
      env: { OPENAI_BASE_URL: `${llm.origin}/v1` },
      providers: false,
    });
    expect(off.llm).toBeNull();
    const none = await createEmbeddedRuntime(supportAgent, { speechInput: false, env: {} });
    expect(none.llm).toBeNull();
  });
});

describe('configuration errors', () => {
  it('point at the line of a key written in the file and of an unknown routed intent', async () => {
    const secret = 'sk-live-abcdef0123456789';
    const dir = await agentWith(
      'bad',
      `providers:
  llm:
    - type: openai-compatible
      model: gpt-4o-mini
      apiKey: ${secret}
llm:
  routing:
    intents: [greeting, order_staus]`,
    );
    const error = await createEmbeddedRuntime(dir, { speechInput: false, env: {} }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentDefinitionError);
    const file = path.join(dir, 'agent.yaml');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect((error as Error).message).not.toContain(secret);
    const issues = (error as AgentDefinitionError).issues;
    expect(issues).toEqual([
      expect.objectContaining({ file, line: lineOf('apiKey:'), column: 7, field: 'providers.llm[0].apiKey' }),
      expect.objectContaining({ file, line: lineOf('intents: [greeting'), field: 'llm.routing.intents[1]' }),
    ]);
    expect(issues[0]?.message).toMatch(/apiKeyEnv/);
    expect(issues[1]?.message).toMatch(/order_staus/);
  });

  it('are found when the agent is loaded, which then carries its checked providers', async () => {
    const dir = await agentWith(
      'checked',
      `providers:
  tts:
    - type: elevenlabs
      voiceId: abc`,
    );
    await expect(loadConfiguredAgent(dir, { env: {} })).rejects.toBeInstanceOf(AgentDefinitionError);
    const agent = await loadConfiguredAgent(dir, { env: { ELEVENLABS_API_KEY: 'xi' } });
    expect(agent.providers?.tts).toEqual([{ type: 'elevenlabs', voiceId: 'abc' }]);
    // Embedded only: the section is neither checked nor used.
    expect((await loadConfiguredAgent(dir, { env: {}, providers: false })).providers).toBeNull();
  });

  it('name the unset key variable, never a value', async () => {
    const dir = await agentWith(
      'no-key',
      `providers:
  tts:
    - type: elevenlabs
      voiceId: abc`,
    );
    const error = await createEmbeddedRuntime(dir, { speechInput: false, env: {} }).then(
      () => null,
      (e: unknown) => e,
    );
    const lines = (await readFile(path.join(dir, 'agent.yaml'), 'utf8')).split('\n');
    expect((error as AgentDefinitionError).issues).toEqual([
      expect.objectContaining({
        line: lines.findIndex((l) => l.includes('- type: elevenlabs')) + 1,
        field: 'providers.tts[0].apiKeyEnv',
        message: expect.stringContaining('ELEVENLABS_API_KEY'),
      }),
    ]);
  });
});
