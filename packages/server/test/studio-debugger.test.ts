import { fileURLToPath } from 'node:url';
import type { TurnOutcome } from '@visemo/core';
import { generateMasterKey, openStorage, type Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import type { ModelSelection } from '../src/models/model-selection.js';
import { storedTurnWaterfallSvg } from '../src/studio/stored-turn-waterfall.js';
import { outcomeDifferences } from '../src/studio/turn-replay.js';
import { recordConversation, registryWithRetrainedNlu } from './support/recorded-conversation.js';
import { TestCaller } from './support/test-caller.js';

/**
 * The conversation debugger's routes on a real server with storage: a session recorded over the
 * WebSocket (typed turns into a flow, a spoken one), read back turn by turn, and replayed.
 */

const SUPPORT = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const ADMIN_KEY = 'an-admin-key-for-the-studio-debugger';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

interface DebugTurn {
  turnIndex: number;
  input: string;
  userText: string | null;
  asr: { provider: string | null; confidence?: number; understood?: boolean } | null;
  nlu: {
    intent: string | null;
    confidence: number | null;
    ranking: { intent: string; confidence: number }[];
    entities: { entity: string; value: string }[];
  };
  path: { answeredBy: string | null; flow: { name: string; status: string; awaiting?: string } | null };
  reply: { text: string | null; voice: string | null; visemes: { viseme: string }[] };
  audio: { id: string; durationMs: number } | null;
  latency: Record<string, number>;
  waterfallSvg: string | null;
}

interface Replay {
  from: string;
  recorded: TurnOutcome;
  replayed: TurnOutcome;
  differences: { field: string; recorded: unknown; replayed: unknown }[];
}

let storage: Storage;
let app: FastifyInstance;
let closeRuntime: () => Promise<void>;
let models: ModelSelection;
let retrained: number;
let sessionId: string;
let wsUrl: string;

const get = (url: string, headers: Record<string, string> = admin) =>
  app.inject({ method: 'GET', url, headers });
const replay = (
  turn: number | string,
  body: unknown = { from: 'text' },
  headers: Record<string, string> = admin,
) =>
  app.inject({
    method: 'POST',
    url: `/v1/studio/sessions/${sessionId}/turns/${turn}/replay`,
    headers,
    payload: body as Record<string, unknown>,
  });

describe('the studio’s conversation debugger routes', () => {
  beforeAll(async () => {
    const embedded = await createEmbeddedRuntime(SUPPORT, { synthesisCacheBytes: 0 });
    closeRuntime = embedded.close;
    storage = await openStorage({ dataDir: 'memory://', masterKey: generateMasterKey() });
    const { spec } = embedded.agent;
    ({ models, retrained } = await registryWithRetrainedNlu(storage, spec, embedded.runtime));
    app = await createServer({ runtime: embedded.runtime, storage, models, adminKey: ADMIN_KEY });
    const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    wsUrl = ws;

    sessionId = await recordConversation(ws);
    await app.storageSettled();
  }, 120_000);

  afterAll(async () => {
    models?.close();
    await app?.close();
    await storage?.close();
    await closeRuntime?.();
  });

  it('lists the agent’s stored sessions with their turn counts, only with the admin key', async () => {
    expect((await get('/v1/studio/sessions', {})).statusCode).toBe(401);
    expect((await get('/v1/studio/sessions', { authorization: 'Bearer not-the-key' })).statusCode).toBe(401);
    const listed = await get('/v1/studio/sessions');
    expect(listed.statusCode).toBe(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.json()).toMatchObject({
      agent: 'support-agent',
      sessions: [{ id: sessionId, agent: 'support-agent', turns: 4, endReason: 'client' }],
    });
    expect((await get('/v1/studio/sessions?limit=0')).statusCode).toBe(400);
  });

  it('shows every turn with what was recorded of it', async () => {
    const response = await get(`/v1/studio/sessions/${sessionId}`);
    expect(response.statusCode).toBe(200);
    const { turns } = response.json() as { turns: DebugTurn[] };
    expect(turns.map((t) => t.input)).toEqual(['greeting', 'text', 'text', 'speech']);

    const [greeting, asked, answered, spoken] = turns as [DebugTurn, DebugTurn, DebugTurn, DebugTurn];
    expect(greeting.path.answeredBy).toBe('greeting');
    expect(greeting.reply.visemes.length).toBeGreaterThan(10);
    expect(greeting.reply.voice).toBe('slt');

    // The intent ranking, best first, and the flow step that answered.
    expect(asked.nlu.intent).toBe('order_status');
    expect(asked.nlu.ranking[0]?.intent).toBe('order_status');
    expect(asked.nlu.ranking.length).toBeGreaterThan(1);
    expect(asked.nlu.ranking[1]?.confidence).toBeLessThan(asked.nlu.ranking[0]?.confidence ?? 0);
    expect(asked.path.flow).toEqual({ name: 'order_lookup', status: 'asking', awaiting: 'order_number' });
    expect(answered.nlu.entities).toMatchObject([{ entity: 'order_number', value: '482913' }]);
    expect(answered.path.flow).toEqual({ name: 'order_lookup', status: 'completed' });
    expect(answered.reply.text).toContain('482913');

    // The waterfall of the hops the turn had.
    expect(asked.waterfallSvg).toMatch(/^<svg[^>]*role="img"/);
    expect(asked.waterfallSvg).toContain('nlu (intent)');

    // The spoken turn: the recognizer's decision, and the utterance the person agreed to keep.
    expect(spoken.userText).toBe('what are your opening hours');
    expect(spoken.asr).toMatchObject({ provider: expect.any(String), understood: true });
    expect(spoken.audio?.durationMs).toBeGreaterThan(1000);
    expect(spoken.waterfallSvg).toContain('asr.final (recognizer)');
    const wav = await get(`/v1/studio/recordings/${spoken.audio?.id}`);
    expect(wav.statusCode).toBe(200);
    expect(wav.headers['content-type']).toBe('audio/wav');
    expect(wav.rawPayload.subarray(0, 4).toString()).toBe('RIFF');
  });

  it('audits each read of the session’s texts', async () => {
    await get(`/v1/studio/sessions/${sessionId}`);
    const { rows } = await storage.database.query<{ actor: string; details: { category: string } }>(
      "SELECT actor, details FROM audit_log WHERE actor = 'admin:studio'",
    );
    expect(rows.map((r) => r.details.category)).toContain('transcripts');
  });

  it('replays a turn inside a flow as the agent answers now: the same path, no difference', async () => {
    const response = await replay(2);
    expect(response.statusCode).toBe(200);
    const result = response.json() as Replay;
    // The earlier turn brought the dialogue to the flow's question, so the number completes it.
    expect(result.replayed).toMatchObject({
      intent: result.recorded.intent,
      flow: { name: 'order_lookup', status: 'completed' },
    });
    expect(result.differences).toEqual([]);
  });

  it('replays the spoken turn through the recognizer from its recording', async () => {
    const response = await replay(3, { from: 'audio' });
    expect(response.statusCode).toBe(200);
    const result = response.json() as Replay;
    expect(result.from).toBe('audio');
    expect(result.replayed.userText).toBe('what are your opening hours');
    expect(result.replayed.asr?.understood).toBe(true);
    expect(result.differences).toEqual([]);
  });

  it('replays with another registered NLU version, and says which one ran', async () => {
    const current = (await replay(1)).json() as Replay & { nluVersion: number };
    expect(current.nluVersion).toBe(1);
    // A version trained without the order intent: the same words find another one.
    const response = await replay(1, { from: 'text', nluVersion: retrained });
    expect(response.statusCode).toBe(200);
    const result = response.json() as Replay & { nluVersion: number };
    expect(result.nluVersion).toBe(retrained);
    expect(result.recorded.intent).toBe('order_status');
    expect(result.replayed.intent).not.toBe('order_status');
    expect(result.differences.map((d) => d.field)).toContain('intent');
    expect((await replay(1, { nluVersion: 99 })).json()).toMatchObject({
      statusCode: 404,
      code: 'unknown_model_version',
    });
  });

  it('replays the greeting as the agent greets now', async () => {
    const result = (await replay(0)).json() as Replay;
    expect(result.replayed).toMatchObject({ answeredBy: 'greeting', userText: null });
    expect(result.differences).toEqual([]);
  });

  it('shows what is no longer kept as such, and cannot replay it', async () => {
    // A person who did not consent to transcripts: the texts go when the session ends.
    const caller = await TestCaller.start(wsUrl, { greet: false });
    const unkept = caller.of('session.started')[0]?.sessionId as string;
    const mark = caller.mark();
    caller.send({ type: 'text', text: 'where is my order' });
    await caller.waitFor('turn.end', () => true, { after: mark });
    caller.send({ type: 'session.end' });
    await caller.waitFor('session.ended');
    caller.close();
    await app.storageSettled();
    const { turns } = (await get(`/v1/studio/sessions/${unkept}`)).json() as {
      turns: (DebugTurn & { textsKept: boolean })[];
    };
    expect(turns[0]).toMatchObject({
      textsKept: false,
      userText: null,
      nlu: { intent: 'order_status', ranking: [] },
      path: { answeredBy: 'flow', flow: null },
      reply: { text: null, visemes: [] },
    });
    const refused = await app.inject({
      method: 'POST',
      url: `/v1/studio/sessions/${unkept}/turns/${turns[0]?.turnIndex}/replay`,
      headers: admin,
      payload: { from: 'text' },
    });
    expect(refused.json()).toMatchObject({ statusCode: 400, message: 'the turn’s words are no longer kept' });
  });

  it('stores nothing when it replays', async () => {
    const before = await storage.sessions.recent({ agent: 'support-agent' });
    await replay(1);
    expect(await storage.sessions.recent({ agent: 'support-agent' })).toEqual(before);
  });

  it('answers bad requests clearly, and the server goes on', async () => {
    expect((await get(`/v1/studio/sessions/${crypto.randomUUID()}`)).statusCode).toBe(404);
    expect((await get('/v1/studio/sessions/not-a-session')).json()).toMatchObject({
      statusCode: 404,
      code: 'no_session',
    });
    expect((await get(`/v1/studio/sessions/${sessionId}`, {})).statusCode).toBe(401);
    expect((await get(`/v1/studio/recordings/${crypto.randomUUID()}`)).statusCode).toBe(404);
    expect((await replay(99)).json()).toMatchObject({ statusCode: 404, code: 'unknown_turn' });
    expect((await replay(1, { from: 'video' })).statusCode).toBe(400);
    expect((await replay('first')).statusCode).toBe(400);
    // A typed turn has no recording to replay.
    expect((await replay(1, { from: 'audio' })).json()).toMatchObject({
      statusCode: 400,
      message: 'no recording of this turn is stored',
    });
    expect((await replay(1, {}, {})).statusCode).toBe(401);
    // No body at all: the words are replayed.
    const bare = await app.inject({
      method: 'POST',
      url: `/v1/studio/sessions/${sessionId}/turns/1/replay`,
      headers: admin,
    });
    expect(bare.json()).toMatchObject({ from: 'text', differences: [] });
    expect((await get('/v1/studio/sessions')).statusCode).toBe(200);
  });

  it('says so when the server keeps no sessions', async () => {
    const embedded = await createEmbeddedRuntime(SUPPORT, { providers: false });
    const bare = await createServer({ runtime: embedded.runtime, adminKey: ADMIN_KEY });
    const response = await bare.inject({ method: 'GET', url: '/v1/studio/sessions', headers: admin });
    expect(response.statusCode).toBe(503);
    expect(response.json().message).toMatch(/without storage/);
    await bare.close();
    await embedded.close();
  });
});

describe('the differences between a recorded and a replayed outcome', () => {
  const outcome: TurnOutcome = {
    userText: 'where is order 482913',
    intent: 'order_status',
    confidence: 0.81,
    ranking: [],
    entities: [{ entity: 'order_number', value: '482913' }],
    answeredBy: 'flow',
    flow: { name: 'order_lookup', status: 'completed' },
    source: null,
    replyText: 'I found order 482913. It left our warehouse.',
  };

  it('lists each field that changed, and none for the same outcome', () => {
    expect(outcomeDifferences(outcome, { ...outcome, confidence: 0.813 })).toEqual([]);
    const replayed: TurnOutcome = {
      ...outcome,
      intent: 'cancel_order',
      confidence: 0.6,
      entities: [],
      answeredBy: 'intent',
      flow: null,
      replyText: 'I can cancel it.',
    };
    expect(outcomeDifferences(outcome, replayed).map((d) => d.field)).toEqual([
      'intent',
      'confidence',
      'entities',
      'answeredBy',
      'flow',
      'replyText',
    ]);
  });

  it('compares a reply cut by a barge-in as far as it was heard, and words only when heard again', () => {
    const cut = { ...outcome, replyText: 'I found order 482913.' };
    expect(outcomeDifferences(cut, outcome, { interrupted: true })).toEqual([]);
    expect(outcomeDifferences(cut, outcome).map((d) => d.field)).toEqual(['replyText']);
    const misheard = { ...outcome, userText: 'where is order 482914' };
    expect(outcomeDifferences(outcome, misheard)).toEqual([]);
    expect(outcomeDifferences(outcome, misheard, { compareWords: true })).toMatchObject([
      { field: 'userText', recorded: 'where is order 482913', replayed: 'where is order 482914' },
    ]);
  });
});

describe('a stored turn’s waterfall', () => {
  it('draws the hops the turn had, the model’s when it answered, and nothing for none', () => {
    const svg = storedTurnWaterfallSvg(
      4,
      { asrFinalMs: 40, nluMs: 1.5, dialogueMs: 300, ttsFirstAudioMs: 60, speechEndToFirstAudioMs: 405 },
      'llm',
    );
    expect(svg).toMatch(/^<svg[^>]*role="img"/);
    expect(svg).toContain("<title>Where turn 4's time went</title>");
    for (const hop of [
      'asr.final (recognizer)',
      'nlu (intent)',
      'llm.first_token (model)',
      'tts.first_audio (voice)',
    ])
      expect(svg).toContain(hop);
    expect(svg).toContain('405 ms');
    expect(storedTurnWaterfallSvg(0, {})).toBeNull();
    // A typed turn has no recognizer hop.
    expect(storedTurnWaterfallSvg(1, { nluMs: 1, dialogueMs: 2 })).not.toContain('asr.final');
  });
});
