import { fileURLToPath } from 'node:url';
import { FliteSynthesizer } from '@visemo/speech';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveAgent } from './support/agent-server.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));

let app: FastifyInstance;
let url: string;
const voice = new FliteSynthesizer();

async function say(text: string, speaker = 'rms'): Promise<Int16Array> {
  const { audio } = await voice.synthesize({ text, voice: speaker });
  return withLeadingSilence(audio.samples);
}

beforeAll(async () => {
  ({ app, url } = await serveAgent(supportAgent));
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('a spoken turn through the WebSocket', () => {
  it('recognises a Flite-voiced question, classifies it and answers with audio and visemes', async () => {
    const caller = await TestCaller.start(url);
    await caller.speak(await say('what are your opening hours'));
    const final = await caller.waitFor('transcript.final');
    expect(final).toMatchObject({ text: 'what are your opening hours', understood: true, source: 'speech' });
    expect(caller.of('vad').map((e) => e.state)).toEqual(['speech-start', 'speech-end']);

    const nlu = await caller.waitFor('nlu');
    expect(nlu.intent).toBe('opening_hours');
    const end = await caller.waitFor('turn.end', (e) => e.turnId === final.turnId);
    expect(end.interrupted).toBe(false);
    expect(end.spokenText).toMatch(/Monday to Friday/);
    expect(end.latency.speechEndToFirstAudioMs).toBeGreaterThan(0);

    const chunks = caller.of('audio.chunk');
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      // Each chunk's metadata is followed by exactly its audio.
      const index = caller.events.indexOf(chunk);
      const binary = caller.audio.find((a) => a.afterEvent === index);
      expect(binary?.bytes.byteLength).toBe(chunk.samples * 2);
      expect(chunk.visemes.some((v) => v.viseme !== 'sil')).toBe(true);
      expect(chunk.visemes.at(-1)?.endMs).toBeLessThanOrEqual(chunk.durationMs + 1);
    }
    caller.close();
  });

  it("asks to rephrase when the speech matches none of the agent's phrases", async () => {
    const caller = await TestCaller.start(url);
    await caller.speak(await say('the quick brown fox jumps over the lazy dog'));
    const final = await caller.waitFor('transcript.final');
    expect(final.understood).toBe(false);
    const reply = await caller.waitFor('response.text');
    expect(reply.answeredBy).toBe('fallback');
    caller.close();
  });

  it('fills a flow slot from spoken digits', async () => {
    const caller = await TestCaller.start(url, { audio: false });
    caller.send({ type: 'text', text: 'where is my order' });
    await caller.waitFor('turn.end');
    const mark = caller.mark();
    await caller.speak(await say('my order number is four eight two nine one three', 'awb'));
    const nlu = await caller.waitFor('nlu', () => true, { after: mark });
    expect(nlu.entities).toContainEqual(expect.objectContaining({ entity: 'order_number', value: '482913' }));
    const reply = await caller.waitFor('response.text', () => true, { after: mark });
    expect(reply.text).toMatch(/482913|DHL/);
    caller.close();
  });
});

describe('typed input', () => {
  it('answers typed text with captions, audio and visemes', async () => {
    const caller = await TestCaller.start(url);
    caller.send({ type: 'text', text: 'how much does shipping cost to austria?' });
    const nlu = await caller.waitFor('nlu');
    expect(nlu.intent).toBe('shipping_costs');
    const end = await caller.waitFor('turn.end', (e) => e.turnId === nlu.turnId);
    expect(caller.of('response.text').length).toBeGreaterThan(0);
    expect(caller.of('audio.chunk').length).toBeGreaterThan(0);
    expect(end.latency.nluMs).toBeGreaterThanOrEqual(0);
    caller.close();
  });

  it('sends captions only in a text-only session', async () => {
    const caller = await TestCaller.start(url, { audio: false, greet: true });
    caller.send({ type: 'text', text: 'thank you' });
    await caller.waitFor('turn.end', (e) => e.turnId === 1);
    expect(caller.of('response.text').length).toBeGreaterThanOrEqual(2);
    expect(caller.of('audio.chunk')).toHaveLength(0);
    expect(caller.audio).toHaveLength(0);
    caller.close();
  });
});

describe('barge-in', () => {
  it('stops the answer in the frame where speech starts and keeps only what was played', async () => {
    const caller = await TestCaller.start(url);
    caller.send({ type: 'text', text: 'what are your opening hours' });
    const first = await caller.waitFor('audio.chunk');
    const turnId = first.turnId;
    // The person starts talking while the answer plays.
    await caller.speak(await say('i want to talk to a human'));
    const interrupted = await caller.waitFor('interrupted', (e) => e.turnId === turnId);
    expect(interrupted.reason).toBe('barge-in');
    // Interruption happens while handling the very frame the VAD heard speech start in.
    const at = caller.events.indexOf(interrupted);
    expect(caller.events[at - 1]).toMatchObject({ type: 'vad', state: 'speech-start' });
    // After the interruption no more audio of that turn leaves the server.
    expect(caller.of('audio.chunk', at).filter((c) => c.turnId === turnId)).toHaveLength(0);

    caller.send({ type: 'playback', turnId, playedMs: 1500 });
    const next = await caller.waitFor('nlu', (e) => e.turnId > turnId);
    expect(next.intent).toBe('talk_to_human');
    await caller.waitFor('handoff');

    caller.send({ type: 'transcript.get' });
    const transcript = await caller.waitFor('transcript');
    const agentTurn = transcript.entries.find((e) => e.turnId === turnId && e.role === 'agent');
    expect(agentTurn?.interrupted).toBe(true);
    const fullReply = caller
      .of('audio.chunk')
      .filter((c) => c.turnId === turnId)
      .map((c) => c.text)
      .join(' ');
    const heard = agentTurn?.text ?? '';
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.split(' ').length).toBeLessThan(fullReply.split(' ').length);
    expect(fullReply.replace(/[^\w\s]/g, '')).toContain(heard.replace(/[^\w\s]/g, ''));
    caller.close();
  });
});

describe('concurrent sessions', () => {
  it('keeps two conversations apart', async () => {
    const [a, b] = await Promise.all([
      TestCaller.start(url, { audio: false }),
      TestCaller.start(url, { audio: false }),
    ]);
    if (!a || !b) throw new Error('no callers');
    a.send({ type: 'text', text: 'where is my order' });
    b.send({ type: 'text', text: 'what are your opening hours' });
    const [askA, replyB] = await Promise.all([a.waitFor('response.text'), b.waitFor('response.text')]);
    expect(askA.answeredBy).toBe('flow');
    expect(replyB.answeredBy).toBe('intent');
    await Promise.all([a.waitFor('turn.end'), b.waitFor('turn.end')]);
    // B says an order number: B has no order flow waiting, so it must not get A's order lookup.
    const markA = a.mark();
    const markB = b.mark();
    b.send({ type: 'text', text: '482913' });
    a.send({ type: 'text', text: '735102' });
    const [endA, endB] = await Promise.all([
      a.waitFor('turn.end', () => true, { after: markA }),
      b.waitFor('turn.end', () => true, { after: markB }),
    ]);
    expect(endA.spokenText).toMatch(/735102/);
    expect(endB.spokenText).not.toMatch(/482913.*(DHL|warehouse)/);
    expect(a.of('response.text', markA)[0]?.answeredBy).toBe('flow');
    expect(b.of('response.text', markB)[0]?.answeredBy).not.toBe('flow');
    a.close();
    b.close();
  });
});
