import { fileURLToPath } from 'node:url';
import type {
  Agent,
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  DialogueEvent,
  EntityMatch,
  NluResult,
} from '@visemo/core';
import { ErrorCode, VisemoError } from '@visemo/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chunkSentences,
  flowTools,
  LlmDialogue,
  type LlmDialogueEvent,
  type LlmReply,
  loadAgent,
  SpokenTextFilter,
} from '../src/index.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));

let agent: Agent;
beforeAll(async () => {
  agent = await loadAgent(supportAgent);
});

type Script = (request: ChatRequest, call: number) => AsyncIterable<ChatStreamPart>;

/** A ChatModel that plays a script per call and keeps every request, with its signal. */
class ScriptedModel implements ChatModel {
  readonly name = 'scripted';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly script: Script) {}
  stream(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    this.requests.push({ ...request, messages: [...request.messages] });
    return this.script(request, this.requests.length - 1);
  }
}

async function* say(...deltas: string[]): AsyncGenerator<ChatStreamPart> {
  for (const text of deltas) yield { type: 'text-delta', text };
  yield { type: 'finish', reason: 'stop' };
}

async function* callTool(name: string, args: unknown): AsyncGenerator<ChatStreamPart> {
  yield { type: 'tool-call', call: { id: `call_${name}`, name, arguments: JSON.stringify(args) } };
  yield { type: 'finish', reason: 'tool-calls' };
}

/** Waits until the request's signal aborts: a model that never answers. */
async function* hang(request: ChatRequest): AsyncGenerator<ChatStreamPart> {
  await new Promise<void>((resolve) => {
    if (request.signal?.aborted) resolve();
    request.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  throw new VisemoError(ErrorCode.Aborted, 'aborted');
}

function nlu(
  text: string,
  intent: string | null = null,
  confidence = 0,
  entities: EntityMatch[] = [],
): NluResult {
  return { text, intent, confidence, ranking: intent ? [{ intent, confidence }] : [], entities };
}

function orderNumber(value: string): EntityMatch {
  return { entity: 'order_number', value, text: value, start: 0, end: value.length };
}

async function* textDeltas(events: AsyncIterable<DialogueEvent>): AsyncGenerator<string> {
  for await (const event of events) if (event.type === 'text') yield event.text;
}

async function collect(reply: LlmReply): Promise<DialogueEvent[]> {
  const events: DialogueEvent[] = [];
  for await (const event of reply.events) events.push(event);
  return events;
}

function textOf(events: readonly DialogueEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

describe('routing between the agent and the model', () => {
  it('answers a confident intent itself and sends an out-of-scope question to the model', async () => {
    const model = new ScriptedModel(() => say('We sell ', 'clothing and shoes. ', 'No bicycles, sorry.'));
    const dialogue = new LlmDialogue(agent, { model });

    const hello = await dialogue.respond(nlu('hi there', 'greeting', 0.93));
    expect(hello.route).toBe('agent');
    expect(hello.answeredBy).toBe('intent');
    await collect(hello);
    expect(model.requests).toHaveLength(0);

    const bikes = await dialogue.respond(nlu('do you sell bicycles?', 'capabilities', 0.21));
    expect(bikes.route).toBe('llm');
    expect(bikes.answeredBy).toBe('llm');
    const events = await collect(bikes);
    // Each delta is its own event, as it arrived.
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text)).toEqual([
      'We sell ',
      'clothing and shoes. ',
      'No bicycles, sorry.',
    ]);
    expect(model.requests).toHaveLength(1);
    const request = model.requests[0] as ChatRequest;
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'do you sell bicycles?' });
    // The earlier routed turn is part of the history the model sees.
    expect(request.messages.some((m) => m.role === 'user' && m.content === 'hi there')).toBe(true);
  });

  it('tells the model who says what when speakers are told apart', async () => {
    const model = new ScriptedModel(() => say('We sell clothing.'));
    const dialogue = new LlmDialogue(agent, { model });
    await collect(
      await dialogue.respond(nlu('hi there', 'greeting', 0.93), {
        speaker: { id: 'v1', name: 'Speaker 1', changed: false },
      }),
    );
    await collect(
      await dialogue.respond(nlu('do you sell bicycles?'), {
        speaker: { id: 'v2', name: 'Speaker 2', changed: true },
      }),
    );
    const users = (model.requests[0] as ChatRequest).messages.filter((m) => m.role === 'user');
    expect(users.map((m) => m.content)).toEqual(['Speaker 1: hi there', 'Speaker 2: do you sell bicycles?']);
  });

  it('starts a resumed conversation from its history and slots', async () => {
    const model = new ScriptedModel(() => say('It is still on its way.'));
    const dialogue = new LlmDialogue(agent, {
      model,
      context: {
        slots: { order_number: '482913' },
        history: [{ user: 'where is order 482913', reply: 'I found order 482913.' }],
      },
    });
    expect(dialogue.slots).toEqual({ order_number: '482913' });
    await collect(await dialogue.respond(nlu('and is it insured?', 'capabilities', 0.2)));
    const request = model.requests[0] as ChatRequest;
    expect(request.messages).toContainEqual({ role: 'user', content: 'where is order 482913' });
    expect(request.messages).toContainEqual({ role: 'assistant', content: 'I found order 482913.' });
  });

  it('keeps a flow that waits for a slot with the agent, even when the NLU finds no intent', async () => {
    const model = new ScriptedModel(() => say('unused'));
    const dialogue = new LlmDialogue(agent, { model });
    const ask = await dialogue.respond(nlu('where is my order', 'order_status', 0.9));
    expect(ask.answeredBy).toBe('flow');
    expect(textOf(await collect(ask))).toMatch(/order number/);
    const answer = await dialogue.respond(nlu('it is 482913', null, 0.1, [orderNumber('482913')]));
    expect(answer.route).toBe('agent');
    expect(textOf(await collect(answer))).toMatch(/DHL expects to deliver it/);
    expect(model.requests).toHaveLength(0);
  });

  it('sends intents outside `routing.intents`, or under the threshold, to the model', async () => {
    const model = new ScriptedModel(() => say('From the model.'));
    const dialogue = new LlmDialogue(agent, {
      model,
      settings: { routing: { intents: ['greeting'], intentThreshold: 0.8 } },
    });
    expect((await dialogue.respond(nlu('hello', 'greeting', 0.85))).route).toBe('agent');
    expect((await dialogue.respond(nlu('hello?', 'greeting', 0.7))).route).toBe('llm');
    expect((await dialogue.respond(nlu('thank you', 'thanks', 0.99))).route).toBe('llm');
  });

  it('lets the agent ask to rephrase when nothing was understood', async () => {
    const model = new ScriptedModel(() => say('unused'));
    const dialogue = new LlmDialogue(agent, { model });
    const reply = await dialogue.respond(nlu(''));
    expect(reply.answeredBy).toBe('fallback');
    expect(model.requests).toHaveLength(0);
  });
});

describe('what the model is given', () => {
  it('has a spoken-style persona prompt and the retrieved passages with their sources', async () => {
    const model = new ScriptedModel(() => say('Two years.'));
    const dialogue = new LlmDialogue(agent, { model });
    const reply = await dialogue.respond(nlu('how long is the warranty on a lamp?'));
    await collect(reply);
    const [system, ...rest] = (model.requests[0] as ChatRequest).messages;
    expect(system?.role).toBe('system');
    const prompt = system?.content ?? '';
    expect(prompt).toContain('You are Maya');
    expect(prompt).toContain('American English');
    expect(prompt).toMatch(/No Markdown/);
    expect(prompt).toMatch(/web address/);
    expect(prompt).toContain("Hi, I'm Maya from ShopRight");

    const knowledge = rest.find((m) => m.role === 'system');
    expect(knowledge?.content).toContain('(source: knowledge/warranty.md#');
    expect(knowledge?.content).toMatch(/two-year warranty/);
    expect(knowledge?.content).toMatch(/say that you don't know/);
    expect(reply.sources[0]).toMatch(/^knowledge\/warranty\.md#/);
  });

  it('says it has no passage when nothing matches', async () => {
    const model = new ScriptedModel(() => say('I do not know.'));
    const dialogue = new LlmDialogue(agent, { model });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    await collect(reply);
    expect(reply.sources).toEqual([]);
    const knowledge = (model.requests[0] as ChatRequest).messages.filter((m) => m.role === 'system')[1];
    expect(knowledge?.content).toMatch(/No knowledge passage matches/);
  });

  it('keeps a bounded window of earlier turns', async () => {
    const model = new ScriptedModel((_r, i) => say(`Answer ${i}.`));
    const dialogue = new LlmDialogue(agent, { model, settings: { history: { turns: 2, maxChars: 10_000 } } });
    for (let i = 0; i < 4; i++) await collect(await dialogue.respond(nlu(`question ${i}`)));
    const last = model.requests[3] as ChatRequest;
    const users = last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['question 1', 'question 2', 'question 3']);
    const answers = last.messages.filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(answers).toEqual(['Answer 1.', 'Answer 2.']);
  });

  it('drops the oldest turns past the character budget', async () => {
    const model = new ScriptedModel(() => say('x'.repeat(100)));
    const dialogue = new LlmDialogue(agent, { model, settings: { history: { turns: 50, maxChars: 350 } } });
    for (let i = 0; i < 5; i++) await collect(await dialogue.respond(nlu(`question ${i}`)));
    const last = model.requests[4] as ChatRequest;
    const users = last.messages.filter((m) => m.role === 'user').map((m) => m.content);
    // Each earlier turn is 10 + 100 characters: three fit in 350.
    expect(users).toEqual(['question 1', 'question 2', 'question 3', 'question 4']);
  });
});

describe('tools from flows', () => {
  it('looks an order up locally and streams the model answer built on the record', async () => {
    const model = new ScriptedModel((request, call) => {
      if (call === 0) return callTool('order_lookup', { order_number: '482 913' });
      const result = request.messages.at(-1);
      const record = JSON.parse(result?.role === 'tool' ? result.content : '{}');
      return say(`It shipped with ${record.record.carrier}. `, `It should arrive on ${record.record.eta}.`);
    });
    const events: LlmDialogueEvent[] = [];
    const dialogue = new LlmDialogue(agent, { model, onEvent: (e) => events.push(e) });
    expect(dialogue.toolset.map((t) => t.name)).toEqual(['order_lookup', 'handoff_to_human']);
    expect(dialogue.toolset[0]?.parameters).toMatchObject({ required: ['order_number'] });

    const reply = await dialogue.respond(nlu('my parcel 482913 never came, what is up?'));
    const text = textOf(await collect(reply));
    expect(text).toBe('It shipped with DHL. It should arrive on 2025-03-13.');
    const second = model.requests[1] as ChatRequest;
    const toolMessage = second.messages.at(-1);
    expect(toolMessage).toMatchObject({ role: 'tool', toolCallId: 'call_order_lookup' });
    const result = JSON.parse(toolMessage?.role === 'tool' ? toolMessage.content : '{}');
    expect(result).toMatchObject({ found: true, record: { order_number: '482913', status: 'shipped' } });
    expect(result.reply).toMatch(/^I found order 482913\./);
    expect(events).toContainEqual({
      type: 'llm-tool-call',
      tool: 'order_lookup',
      arguments: '{"order_number":"482 913"}',
      ok: true,
    });

    // The tool round stays in the history, so a follow-up question can use the record.
    await collect(await dialogue.respond(nlu('and which carrier was that?')));
    const third = model.requests[2] as ChatRequest;
    expect(third.messages.some((m) => m.role === 'tool' && m.content.includes('"carrier":"DHL"'))).toBe(true);
  });

  it('answers found: false for an unknown order and explains bad arguments', () => {
    const [lookup] = flowTools(agent);
    const missing = JSON.parse(lookup?.run('{"order_number":"111111"}').content ?? '');
    expect(missing.found).toBe(false);
    expect(missing.reply).toMatch(/couldn't find an order with the number 111111/);
    const short = lookup?.run('{"order_number":"12"}');
    expect(short?.ok).toBe(false);
    expect(JSON.parse(short?.content ?? '').error).toMatch(/needs 6 digits/);
    expect(lookup?.run('not json').ok).toBe(false);
  });

  it('turns a handoff_to_human call into a handoff event', async () => {
    const model = new ScriptedModel((_r, call) =>
      call === 0
        ? callTool('handoff_to_human', { reason: 'wants to complain about a courier' })
        : say("I'll connect you with a colleague now."),
    );
    const dialogue = new LlmDialogue(agent, { model });
    const events = await collect(await dialogue.respond(nlu('this is ridiculous, your courier was rude')));
    const handoff = events.findIndex((e) => e.type === 'handoff');
    expect(events[handoff]).toEqual({ type: 'handoff', reason: 'handoff_to_human' });
    expect(textOf(events.slice(handoff))).toBe("I'll connect you with a colleague now.");
  });
});

describe('when the model fails', () => {
  it('falls back to the knowledge answer when the model errors before speaking', async () => {
    const model = new ScriptedModel(() => {
      throw new VisemoError(ErrorCode.ProviderUnavailable, 'scripted: 503');
    });
    const events: LlmDialogueEvent[] = [];
    const dialogue = new LlmDialogue(agent, { model, onEvent: (e) => events.push(e) });
    const reply = await dialogue.respond(nlu('how long is the warranty on a lamp?'));
    expect(reply.route).toBe('llm-fallback');
    expect(reply.answeredBy).toBe('knowledge');
    expect(reply.source).toMatch(/^knowledge\/warranty\.md#/);
    expect(reply.llmFailure).toEqual({ code: 'provider_unavailable', message: 'scripted: 503' });
    expect(textOf(await collect(reply))).toMatch(/warranty/);
    expect(events[0]).toMatchObject({ type: 'llm-failed', code: 'provider_unavailable', afterText: false });
  });

  it('gives the persona fallback after a timeout, aborts the request, and goes on with the next turn', async () => {
    let call = 0;
    const model = new ScriptedModel((request) => (call++ === 0 ? hang(request) : say('Back again.')));
    const dialogue = new LlmDialogue(agent, { model, settings: { timeoutMs: 100 } });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    expect(reply.route).toBe('llm-fallback');
    expect(reply.answeredBy).toBe('fallback');
    expect(reply.llmFailure?.code).toBe('provider_timeout');
    expect(model.requests[0]?.signal?.aborted).toBe(true);
    expect(textOf(await collect(reply))).toBe(agent.spec.persona.fallback[0]);

    const next = await dialogue.respond(nlu('are you there?'));
    expect(next.route).toBe('llm');
    expect(textOf(await collect(next))).toBe('Back again.');
    const history = (model.requests[1] as ChatRequest).messages;
    expect(history).toContainEqual({ role: 'assistant', content: agent.spec.persona.fallback[0] });
  });

  it('asks again without tools when the model refuses them, and keeps them off', async () => {
    const model = new ScriptedModel((request) => {
      if (request.tools) {
        throw new VisemoError(ErrorCode.ProviderRejected, 'scripted: llama-tiny does not support tools');
      }
      return say('Plain answer.');
    });
    const dialogue = new LlmDialogue(agent, { model });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    expect(reply.route).toBe('llm');
    expect(textOf(await collect(reply))).toBe('Plain answer.');
    await collect(await dialogue.respond(nlu('and another thing')));
    expect(model.requests.map((r) => r.tools !== undefined)).toEqual([true, false, false]);
    expect(model.requests[1]?.messages[0]?.content).not.toMatch(/handoff_to_human/);
  });

  it('gives the agent’s answer when the stream breaks off before a whole sentence, and none of the fragment', async () => {
    const model = new ScriptedModel((_r, call) =>
      call > 0
        ? say('Anything else?')
        : (async function* () {
            yield { type: 'text-delta', text: 'Our shop ' } as ChatStreamPart;
            yield { type: 'text-delta', text: 'opened in ' } as ChatStreamPart;
            throw new VisemoError(ErrorCode.ProviderStreamBroken, 'scripted: the stream ended early');
          })(),
    );
    const events: LlmDialogueEvent[] = [];
    const dialogue = new LlmDialogue(agent, { model, onEvent: (e) => events.push(e) });
    const reply = await dialogue.respond(nlu('how long is the warranty on a lamp?'));
    expect(reply.route).toBe('llm-fallback');
    expect(reply.answeredBy).toBe('knowledge');
    expect(reply.llmFailure?.code).toBe('provider_stream_broken');
    const text = textOf(await collect(reply));
    expect(text).toMatch(/warranty/);
    expect(text).not.toMatch(/Our shop/);
    expect(events[0]).toMatchObject({ type: 'llm-failed', code: 'provider_stream_broken', afterText: false });

    await collect(await dialogue.respond(nlu('ok')));
    const history = (model.requests[1] as ChatRequest).messages;
    expect(history.some((m) => m.role === 'assistant' && m.content?.includes('Our shop'))).toBe(false);
  });

  it('keeps the whole sentences of a reply that breaks off later, and ends it with provider_stream_broken', async () => {
    const model = new ScriptedModel((_r, call) =>
      call > 0
        ? say('Anything else?')
        : (async function* () {
            yield { type: 'text-delta', text: 'Your order left on Monday. ' } as ChatStreamPart;
            yield { type: 'text-delta', text: 'It should arr' } as ChatStreamPart;
            throw new VisemoError(ErrorCode.ProviderStreamBroken, 'scripted: the stream ended early');
          })(),
    );
    const events: LlmDialogueEvent[] = [];
    const dialogue = new LlmDialogue(agent, { model, onEvent: (e) => events.push(e) });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    expect(reply.route).toBe('llm');

    // What the server does with the events: sentences as they complete, until the error.
    const sentences: string[] = [];
    const failure = await (async () => {
      try {
        for await (const s of chunkSentences(textDeltas(reply.events))) sentences.push(s);
      } catch (error) {
        return error;
      }
    })();
    expect(sentences).toEqual(['Your order left on Monday.']);
    expect(failure).toBeInstanceOf(VisemoError);
    expect((failure as VisemoError).code).toBe('provider_stream_broken');
    expect(reply.llmFailure?.code).toBe('provider_stream_broken');
    expect(events).toContainEqual(expect.objectContaining({ type: 'llm-failed', afterText: true }));

    // The history keeps what was said, not the fragment.
    await collect(await dialogue.respond(nlu('and then?')));
    const history = (model.requests[1] as ChatRequest).messages;
    expect(history).toContainEqual({ role: 'assistant', content: 'Your order left on Monday.' });
  });

  it('ends a reply that stalls after its first sentence with provider_stream_broken, the timeout as cause', async () => {
    const model = new ScriptedModel((request) =>
      (async function* () {
        yield { type: 'text-delta', text: 'Let me see. ' } as ChatStreamPart;
        yield { type: 'text-delta', text: 'The' } as ChatStreamPart;
        yield* hang(request);
      })(),
    );
    const events: LlmDialogueEvent[] = [];
    const dialogue = new LlmDialogue(agent, {
      model,
      settings: { timeoutMs: 100 },
      onEvent: (e) => events.push(e),
    });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    const seen: DialogueEvent[] = [];
    const failure = await (async () => {
      try {
        for await (const event of reply.events) seen.push(event);
      } catch (error) {
        return error;
      }
    })();
    expect(textOf(seen)).toBe('Let me see. The');
    expect((failure as VisemoError).code).toBe('provider_stream_broken');
    expect((failure as VisemoError).cause).toMatchObject({ code: 'provider_timeout' });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'llm-failed', code: 'provider_timeout', afterText: true }),
    );
    expect(model.requests[0]?.signal?.aborted).toBe(true);
  });

  it('gives a short reply that ends without a sentence mark whole', async () => {
    const model = new ScriptedModel(() => say('Sure', ' thing'));
    const dialogue = new LlmDialogue(agent, { model });
    const reply = await dialogue.respond(nlu('zebra quantum xylophone'));
    expect(reply.route).toBe('llm');
    expect(textOf(await collect(reply))).toBe('Sure thing');
  });
});

describe('barge-in', () => {
  it('aborts the model request and keeps in the history only what was said', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const model = new ScriptedModel((request, call) =>
      call > 0
        ? say('Sure.')
        : (async function* () {
            yield { type: 'text-delta', text: 'Our returns are free within 30 days. ' } as ChatStreamPart;
            yield { type: 'text-delta', text: 'You pay' } as ChatStreamPart;
            release();
            yield* hang(request);
          })(),
    );
    const dialogue = new LlmDialogue(agent, { model });
    const turn = new AbortController();
    const reply = await dialogue.respond(nlu('tell me all about returns'), { signal: turn.signal });
    const iterator = reply.events[Symbol.asyncIterator]();
    const seen: DialogueEvent[] = [];
    const reading = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        seen.push(next.value);
      }
    })();
    await gate;
    turn.abort();
    await reading;
    expect(model.requests[0]?.signal?.aborted).toBe(true);
    expect(textOf(seen)).toBe('Our returns are free within 30 days. You pay');

    // The unfinished "You pay" was never spoken.
    await collect(await dialogue.respond(nlu('ok and exchanges?')));
    const messages = (model.requests[1] as ChatRequest).messages;
    expect(messages).toContainEqual({ role: 'assistant', content: 'Our returns are free within 30 days.' });

    // What the person heard replaces what was produced.
    dialogue.replyHeard('Sure');
    await collect(await dialogue.respond(nlu('one more')));
    const third = (model.requests[2] as ChatRequest).messages;
    expect(third.filter((m) => m.role === 'assistant').at(-1)).toEqual({
      role: 'assistant',
      content: 'Sure',
    });
  });
});

describe('a reply left unread', () => {
  it('has its model request closed and its text kept when the next turn begins', async () => {
    const model = new ScriptedModel((request, call) =>
      call > 0
        ? say('Next answer.')
        : (async function* () {
            yield { type: 'text-delta', text: 'First words. ' } as ChatStreamPart;
            yield { type: 'text-delta', text: 'Then' } as ChatStreamPart;
            yield* hang(request);
          })(),
    );
    const dialogue = new LlmDialogue(agent, { model });
    await dialogue.respond(nlu('first question'));
    expect(model.requests[0]?.signal?.aborted).toBe(false);
    await collect(await dialogue.respond(nlu('second question')));
    expect(model.requests[0]?.signal?.aborted).toBe(true);
    expect((model.requests[1] as ChatRequest).messages).toContainEqual({
      role: 'assistant',
      content: 'First words.',
    });
  });
});

describe('spoken text', () => {
  it('takes out Markdown wherever the deltas are cut', async () => {
    const markdown =
      '## Returns\n**Free** returns within `30` days.\n- Print the label\n- Drop the parcel at DHL\n1. Done';
    const expected =
      'Returns\nFree returns within 30 days.\n\nPrint the label\n\nDrop the parcel at DHL\n\nDone';
    for (let size = 1; size <= markdown.length; size += 3) {
      const filter = new SpokenTextFilter();
      let out = '';
      for (let i = 0; i < markdown.length; i += size) out += filter.push(markdown.slice(i, i + size));
      out += filter.flush();
      expect(out).toBe(expected);
    }
    async function* deltas() {
      yield expected;
    }
    const sentences: string[] = [];
    for await (const s of chunkSentences(deltas())) sentences.push(s);
    expect(sentences).toEqual([
      'Returns\nFree returns within 30 days.',
      'Print the label',
      'Drop the parcel at DHL',
      'Done',
    ]);
  });
});
