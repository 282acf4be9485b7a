import {
  type Agent,
  type DialogueEvent,
  type EntityMatch,
  type NluResult,
  parseAgentDefinition,
} from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { AgentDialogue, type AgentReply } from '../src/index.js';

const SPEC = `persona:
  name: Ava
  greeting: Hi, I'm Ava.
  expression: happy
  fallback: ["Sorry, say that again?", I did not get that.]
nlu: { threshold: 0.6 }
knowledge: { minScore: 0.4 }
entities:
  - name: order_number
    kind: digits
  - name: country
    values: [{ value: France }, { value: Spain }]
  - name: department
    values: [{ value: cardiology }, { value: dermatology }]
  - name: day
    values: [{ value: Monday }, { value: Friday }]
intents:
  - name: greeting
    examples: [hi, hello]
    responses: [Hello!, Hi there!, Hey!]
  - name: shipping
    examples: [do you ship to france, do you deliver abroad]
    responses: ["Yes, we ship to {country}.", We ship to France and Spain.]
  - name: order_status
    examples: [where is my order, track my parcel]
    responses: [Let me check.]
    flow: order_lookup
    expression: neutral
  - name: book
    examples: [book an appointment, I need to see a doctor]
    flow: booking
  - name: human
    examples: [talk to a human, real person please]
    responses: [Connecting you now.]
    handoff: true
  - name: bye
    examples: [bye, goodbye]
    responses: [Goodbye!]
    end: true
  - name: reminder
    examples: [what was my order again, remind me of my order]
    responses: ["Your order was {order_number}.", I don't know your order yet.]
flows:
  - name: order_lookup
    slots:
      - name: order_number
        entity: order_number
        prompt: What's your order number?
        reprompts: [Could you read the digits?, "Six digits, please."]
        maxAttempts: 3
    lookup: { file: orders.yaml, key: order_number }
    response: Order {order_number} is {record.status}.
    notFound: No order {order_number}.
    onFail: I'll get a colleague.
  - name: booking
    slots:
      - name: department
        entity: department
        prompt: Which department?
        reprompts: [Cardiology or dermatology?]
      - name: day
        entity: day
        prompt: Which day for {department}?
        reprompts: [Monday or Friday?]
        maxAttempts: 2
    response: Booked {department} on {day}.
    onFail: Let me put you through.
    handoffOnFail: false
`;

function makeAgent(): Agent {
  return {
    dir: '/agents/test',
    spec: parseAgentDefinition(SPEC, 'agent.yaml'),
    knowledge: [
      {
        source: 'knowledge/warranty.md',
        title: 'Warranty',
        markdown:
          '# Warranty\n\nEvery product has a two-year warranty. Batteries are covered for one year.\n',
      },
    ],
    lookups: { order_lookup: [{ order_number: '123456', status: 'on its way' }] },
  };
}

function nlu(text: string, intent: string | null, entities: EntityMatch[] = [], confidence = 0.9): NluResult {
  return { text, intent, confidence, ranking: intent ? [{ intent, confidence }] : [], entities };
}

function entity(name: string, value: string): EntityMatch {
  return { entity: name, value, text: value, start: 0, end: value.length };
}

async function events(reply: AgentReply): Promise<DialogueEvent[]> {
  const out: DialogueEvent[] = [];
  for await (const event of reply.events) out.push(event);
  return out;
}

async function spoken(reply: AgentReply): Promise<string> {
  return (await events(reply)).map((e) => (e.type === 'text' ? e.text : '')).join('');
}

describe('AgentDialogue', () => {
  it('greets with the persona greeting and expression', async () => {
    const reply = new AgentDialogue(makeAgent()).greeting();
    expect(reply.answeredBy).toBe('greeting');
    expect(await events(reply)).toEqual([
      { type: 'expression', expression: 'happy' },
      { type: 'text', text: "Hi, I'm Ava." },
    ]);
  });

  it('starts from remembered slots: their placeholders fill, and a returning visitor is welcomed back', async () => {
    const agent = makeAgent();
    agent.spec.persona.returningGreeting = 'Welcome back! Still about order {order_number}?';
    const remembered = { order_number: '123456' };
    const returning = new AgentDialogue(agent, { context: { slots: remembered, returning: true } });
    expect(await spoken(returning.greeting())).toBe('Welcome back! Still about order 123456?');
    expect(returning.slots).toEqual(remembered);
    expect(await spoken(returning.respond(nlu('what was my order again', 'reminder')))).toBe(
      'Your order was 123456.',
    );
    // Restored slots of a resumed session are no reason for a welcome back; nor is a slot the
    // greeting needs and memory lacks.
    const resumed = new AgentDialogue(agent, { context: { slots: remembered } });
    expect(await spoken(resumed.greeting())).toBe("Hi, I'm Ava.");
    const forgotten = new AgentDialogue(agent, { context: { slots: { day: 'Monday' }, returning: true } });
    expect(await spoken(forgotten.greeting())).toBe("Hi, I'm Ava.");
  });

  it('rotates the responses of an intent', () => {
    const dialogue = new AgentDialogue(makeAgent());
    const texts = [1, 2, 3, 4].map(() => dialogue.respond(nlu('hi', 'greeting')).text);
    expect(texts).toEqual(['Hello!', 'Hi there!', 'Hey!', 'Hello!']);
  });

  it('fills a response template from an entity of the utterance, else uses a plain response', () => {
    const dialogue = new AgentDialogue(makeAgent());
    expect(dialogue.respond(nlu('ship to spain?', 'shipping', [entity('country', 'Spain')])).text).toBe(
      'Yes, we ship to Spain.',
    );
    expect(dialogue.respond(nlu('do you ship abroad', 'shipping')).text).toBe('We ship to France and Spain.');
  });

  it('fills a flow at once from an entity given up front and answers from the lookup', async () => {
    const dialogue = new AgentDialogue(makeAgent());
    const reply = dialogue.respond(
      nlu('where is order 123456', 'order_status', [entity('order_number', '123456')]),
    );
    expect(reply.answeredBy).toBe('flow');
    expect(reply.flow).toEqual({ name: 'order_lookup', status: 'completed' });
    expect(await spoken(reply)).toBe('Let me check. Order 123456 is on its way.');
    expect(reply.slots).toEqual({ order_number: '123456' });
    // The slot stays known to the conversation.
    expect(dialogue.respond(nlu('what was my order', 'reminder')).text).toBe('Your order was 123456.');
  });

  it('asks for a slot, takes it from the next answer, and says notFound for an unknown key', () => {
    const dialogue = new AgentDialogue(makeAgent());
    const ask = dialogue.respond(nlu('where is my order', 'order_status'));
    expect(ask.text).toBe("Let me check. What's your order number?");
    expect(ask.flow).toEqual({ name: 'order_lookup', status: 'asking', awaiting: 'order_number' });
    expect(dialogue.pendingFlow?.awaiting).toBe('order_number');
    const answer = dialogue.respond(nlu('999 999', null, [entity('order_number', '999999')]));
    expect(answer.text).toBe('No order 999999.');
    expect(dialogue.pendingFlow).toBeNull();
  });

  it('re-prompts on misses, then gives up with onFail and a handoff', async () => {
    const dialogue = new AgentDialogue(makeAgent());
    dialogue.respond(nlu('where is my order', 'order_status'));
    expect(dialogue.respond(nlu('hmm', null)).text).toBe('Could you read the digits?');
    // Restating the flow's own intent without the value is a miss too, not a restart.
    expect(dialogue.respond(nlu('my order!', 'order_status')).text).toBe('Six digits, please.');
    const failed = dialogue.respond(nlu('no idea', null));
    expect(failed.flow).toEqual({ name: 'order_lookup', status: 'failed' });
    expect(await events(failed)).toEqual([
      { type: 'expression', expression: 'concerned' },
      { type: 'text', text: "I'll get a colleague." },
      { type: 'handoff', reason: 'order_lookup_failed' },
    ]);
    expect(dialogue.pendingFlow).toBeNull();
  });

  it('fills two slots over turns, uses an earlier slot in a prompt, and honours handoffOnFail: false', async () => {
    const dialogue = new AgentDialogue(makeAgent());
    expect(dialogue.respond(nlu('book', 'book')).text).toBe('Which department?');
    expect(dialogue.respond(nlu('cardiology', null, [entity('department', 'cardiology')])).text).toBe(
      'Which day for cardiology?',
    );
    expect(dialogue.respond(nlu('uh', null)).text).toBe('Monday or Friday?');
    const failed = dialogue.respond(nlu('dunno', null));
    expect((await events(failed)).map((e) => e.type)).toEqual(['expression', 'text']);

    const again = new AgentDialogue(makeAgent());
    again.respond(nlu('book', 'book'));
    // Both slots in one answer.
    const done = again.respond(
      nlu('dermatology on friday', null, [entity('department', 'dermatology'), entity('day', 'Friday')]),
    );
    expect(done.text).toBe('Booked dermatology on Friday.');
  });

  it('lets a confident different intent interrupt a waiting flow', async () => {
    const dialogue = new AgentDialogue(makeAgent());
    dialogue.respond(nlu('where is my order', 'order_status'));
    const reply = dialogue.respond(nlu('talk to a human', 'human'));
    expect(reply.answeredBy).toBe('intent');
    expect(reply.flow).toEqual({ name: 'order_lookup', status: 'interrupted' });
    expect(await events(reply)).toEqual([
      { type: 'expression', expression: 'happy' },
      { type: 'text', text: 'Connecting you now.' },
      { type: 'handoff', reason: 'human' },
    ]);
    expect(dialogue.pendingFlow).toBeNull();
  });

  it('takes a slot value even when the NLU guessed another intent for the answer', () => {
    const dialogue = new AgentDialogue(makeAgent());
    dialogue.respond(nlu('where is my order', 'order_status'));
    const reply = dialogue.respond(nlu('123456', 'greeting', [entity('order_number', '123456')]));
    expect(reply.text).toBe('Order 123456 is on its way.');
  });

  it('ends the conversation after an end intent', async () => {
    const reply = new AgentDialogue(makeAgent()).respond(nlu('bye', 'bye'));
    expect((await events(reply)).at(-1)).toEqual({ type: 'end' });
  });

  it('answers out-of-scope and low-confidence utterances from knowledge, with the source', async () => {
    const dialogue = new AgentDialogue(makeAgent());
    const reply = dialogue.respond(nlu('are batteries covered by the warranty', 'greeting', [], 0.3));
    expect(reply.answeredBy).toBe('knowledge');
    expect(reply.intent).toBeNull();
    expect(reply.source).toBe('knowledge/warranty.md');
    expect(await spoken(reply)).toBe(
      'Every product has a two-year warranty. Batteries are covered for one year.',
    );
  });

  it('falls back, in turn, when neither an intent nor knowledge answers', () => {
    const dialogue = new AgentDialogue(makeAgent());
    const first = dialogue.respond(nlu('what is the weather in paris', null));
    expect(first.answeredBy).toBe('fallback');
    expect([first.text, dialogue.respond(nlu('sing a song', null)).text]).toEqual([
      'Sorry, say that again?',
      'I did not get that.',
    ]);
    expect(dialogue.respond(nlu('', null)).answeredBy).toBe('fallback');
  });

  it('stops streaming when the turn is aborted', async () => {
    const controller = new AbortController();
    const reply = new AgentDialogue(makeAgent()).respond(nlu('where is my order', 'order_status'), {
      signal: controller.signal,
    });
    const seen: DialogueEvent[] = [];
    for await (const event of reply.events) {
      seen.push(event);
      controller.abort();
    }
    expect(seen).toEqual([{ type: 'expression', expression: 'neutral' }]);
  });

  it('keeps sessions apart', () => {
    const agent = makeAgent();
    const a = new AgentDialogue(agent);
    const b = new AgentDialogue(agent);
    a.respond(nlu('where is my order', 'order_status'));
    expect(b.respond(nlu('123456', null, [entity('order_number', '123456')])).answeredBy).toBe('fallback');
    expect(a.respond(nlu('123456', null, [entity('order_number', '123456')])).answeredBy).toBe('flow');
  });
});

describe('AgentDialogue among several people', () => {
  it('fills {speaker} with the name of who spoke, and falls back to a plain reply when it is not known', async () => {
    const agent = makeAgent();
    agent.spec = parseAgentDefinition(
      SPEC.replace('responses: [Hello!, Hi there!, Hey!]', 'responses: ["Hello, {speaker}!", Hello!]'),
      'agent.yaml',
    );
    const dialogue = new AgentDialogue(agent);
    expect(await spoken(dialogue.respond(nlu('hi', 'greeting'), { speaker: { id: 'p2', name: 'Bo' } }))).toBe(
      'Hello, Bo!',
    );
    expect(
      await spoken(dialogue.respond(nlu('hi', 'greeting'), { speaker: { id: 'p1', name: 'Ana' } })),
    ).toBe('Hello, Ana!');
    expect(await spoken(dialogue.respond(nlu('hi', 'greeting')))).toBe('Hello!');
    // The name is the turn's, never a slot the conversation keeps or remembers.
    expect(dialogue.slots).toEqual({});
  });
});
