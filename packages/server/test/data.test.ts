import { fileURLToPath } from 'node:url';
import { FliteSynthesizer } from '@visemo/speech';
import type { Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectExport } from '../../storage/src/index.js';
import {
  allRowsText,
  BACKENDS,
  type BackendInstance,
  filesContaining,
  generateMasterKey,
} from '../../storage/test/backends.js';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import type { AgentRuntime } from '../src/runtime.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const SECRET = 'a token secret of at least thirty-two bytes';
const API_KEY = 'site-backend-key-1';
const ADMIN_KEY = 'an-admin-key-for-the-data-routes';
/** Said in the conversations; must be readable nowhere it is not meant to be. */
const ORDER = '482913';
const SENTENCE = `where is order ${ORDER}`;

let runtime: AgentRuntime;
let closeRuntime: () => Promise<void>;

beforeAll(async () => {
  const embedded = await createEmbeddedRuntime(supportAgent, { synthesisCacheBytes: 0 });
  runtime = embedded.runtime;
  closeRuntime = embedded.close;
}, 120_000);

afterAll(async () => {
  await closeRuntime?.();
});

describe.each(BACKENDS)('data and privacy on $name', (backend) => {
  const test = backend.unavailable ? it.skip : it;
  let instance: BackendInstance;
  let storage: Storage;
  const servers: FastifyInstance[] = [];

  beforeAll(async () => {
    if (backend.unavailable) return;
    instance = backend.create();
    storage = await instance.open({ masterKey: generateMasterKey() });
  });

  afterAll(async () => {
    for (const app of servers) await app.close();
    await storage?.close();
    await instance?.destroy();
  });

  async function serve(options: { auth?: boolean } = {}) {
    const app = await createServer({
      runtime,
      storage,
      adminKey: ADMIN_KEY,
      ...(options.auth === false ? {} : { auth: { tokenSecret: SECRET, apiKeys: [API_KEY] } }),
    });
    servers.push(app);
    const http = await app.listen({ port: 0, host: '127.0.0.1' });
    return { app, http, ws: http.replace('http', 'ws') };
  }

  async function tokenFor(app: FastifyInstance, user: string): Promise<{ token: string; subject: string }> {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: { subject: user },
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  async function ask(caller: TestCaller, text: string) {
    const mark = caller.mark();
    caller.send({ type: 'text', text });
    return caller.waitFor('turn.end', () => true, { after: mark });
  }

  async function endSession(caller: TestCaller) {
    caller.send({ type: 'session.end' });
    await caller.waitFor('session.ended');
  }

  /** The stored subject behind a token's subject. */
  async function storedId(subject: string): Promise<string> {
    const found = await storage.subjects.findByExternalId(subject);
    if (!found) throw new Error(`no stored subject for ${subject}`);
    return found.id;
  }

  test('a restarted server resumes the conversation: same session, its history, no greeting', async () => {
    const first = await serve();
    const { token } = await tokenFor(first.app, 'resume-user');
    const caller = await TestCaller.start(first.ws, { greet: true }, token);
    const started = caller.of('session.started')[0];
    expect(started).toMatchObject({ resumed: false, storage: true, subject: { consent: null } });
    await ask(caller, 'what are your opening hours');
    caller.close();
    await first.app.close();

    const second = await serve();
    const { token: again } = await tokenFor(second.app, 'resume-user');
    // Asked for a greeting, as a page always does: a resumed session has had it.
    const resumed = await TestCaller.connect(second.ws, again);
    resumed.send({ type: 'session.start', protocol: 1, greet: true, resume: started?.sessionId });
    await resumed.waitFor('session.started');
    expect(resumed.of('session.started')[0]).toMatchObject({ sessionId: started?.sessionId, resumed: true });
    resumed.send({ type: 'transcript.get' });
    const { entries } = await resumed.waitFor('transcript');
    expect(entries.map((e) => [e.turnId, e.role])).toEqual([
      [0, 'agent'],
      [1, 'user'],
      [1, 'agent'],
    ]);
    expect(entries[1]?.text).toBe('what are your opening hours');
    // No greeting, and the next turn follows the restored ones.
    expect(resumed.of('turn.end')).toEqual([]);
    expect((await ask(resumed, 'thanks')).turnId).toBe(2);

    // Another subject's session id is no session to resume: a new one starts.
    const { token: stranger } = await tokenFor(second.app, 'someone-else');
    const other = await TestCaller.start(second.ws, { resume: started?.sessionId }, stranger);
    expect(other.of('session.started')[0]).toMatchObject({ resumed: false });
    expect(other.of('session.started')[0]?.sessionId).not.toBe(started?.sessionId);
    other.close();
    resumed.close();
  }, 60_000);

  test('without consent, nothing said outlives the session', async () => {
    const { app, ws } = await serve();
    const { token, subject } = await tokenFor(app, 'no-consent-user');
    const caller = await TestCaller.start(ws, { greet: false }, token);
    const decision = await caller.consent({ transcripts: false, audio: false, memory: false });
    expect(decision).toMatchObject({
      transcripts: false,
      audio: false,
      memory: false,
      policyVersion: '2026-03',
    });
    await ask(caller, SENTENCE);
    // While it runs, the turn is kept (a restarted server resumes from it); it is written just
    // after the turn ends, off the conversation's path.
    await settled(app);
    const id = await storedId(subject);
    const [session] = await storage.sessions.list(id);
    expect((await storage.sessions.turns(session?.id as string))[0]?.userText).toBe(SENTENCE);
    await endSession(caller);
    await settled(app);

    const turns = await storage.sessions.turns(session?.id as string);
    expect(turns.length).toBe(1);
    expect(turns[0]).toMatchObject({
      userText: null,
      replyText: null,
      entities: null,
      intent: 'order_status',
    });
    expect(await storage.memory.list(id)).toEqual([]);
    const everything = await allRowsText(storage.database);
    expect(everything).not.toContain(ORDER);
    expect(everything).not.toContain('where is order');
    expect(everything).not.toContain('no-consent-user');
  }, 60_000);

  test('with consent, transcripts stay encrypted and the next session remembers the order number', async () => {
    const { app, ws, http } = await serve();
    const { token, subject } = await tokenFor(app, 'remembered-user');
    const caller = await TestCaller.start(ws, { greet: false }, token);
    await caller.consent({ transcripts: true, audio: false, memory: true });
    const reply = await ask(caller, SENTENCE);
    expect(reply.spokenText).toContain(`I found order ${ORDER}`);
    await endSession(caller);
    await settled(app);

    const id = await storedId(subject);
    const [session] = await storage.sessions.list(id);
    const turns = await storage.sessions.turns(session?.id as string);
    expect(turns[0]).toMatchObject({ userText: SENTENCE, intent: 'order_status' });
    expect(turns[0]?.replyText).toContain(`I found order ${ORDER}`);
    // At rest: ciphertext only.
    expect(await allRowsText(storage.database)).not.toContain(SENTENCE);
    expect((await storage.memory.list(id)).map((f) => [f.key, f.value])).toEqual([['order_number', ORDER]]);

    const { token: next } = await tokenFor(app, 'remembered-user');
    const returning = await TestCaller.start(ws, { greet: true }, next);
    expect(returning.of('session.started')[0]).toMatchObject({
      subject: { consent: { transcripts: true, audio: false, memory: true, policyVersion: '2026-03' } },
      privacy: { policyVersion: '2026-03', retention: { transcripts: '30d', audio: '7d', memory: '365d' } },
    });
    const greeting = returning.of('turn.end').find((e) => e.turnId === 0);
    expect(greeting?.spokenText).toBe(
      `Welcome back to ShopRight, I'm Maya. Is this about order ${ORDER} again, or can I help with something else?`,
    );

    // The person's own view of what is remembered, and forgetting one fact.
    const me = { authorization: `Bearer ${next}` };
    const memory = await fetch(`${http}/v1/me/memory`, { headers: me });
    expect(await memory.json()).toMatchObject({ facts: [{ key: 'order_number', value: ORDER }] });
    const forget = await fetch(`${http}/v1/me/memory/order_number`, { method: 'DELETE', headers: me });
    expect(forget.status).toBe(204);
    expect(await storage.memory.list(id)).toEqual([]);
    returning.close();
  }, 60_000);

  test('export holds the turns; erasure leaves the subject in no table, export or file', async () => {
    const { app, ws, http } = await serve();
    const { token, subject } = await tokenFor(app, 'erased-user');
    const caller = await TestCaller.start(ws, { greet: false }, token);
    await caller.consent({ transcripts: true, audio: true, memory: true });
    await ask(caller, SENTENCE);
    await settled(app);
    const me = { authorization: `Bearer ${token}` };

    const exported = (await (await fetch(`${http}/v1/me/data`, { headers: me })).json()) as SubjectExport;
    expect(exported.format).toBe('visemo.subject-export');
    expect(exported.sessions[0]?.turns[0]).toMatchObject({ userText: SENTENCE, intent: 'order_status' });
    const id = await storedId(subject);
    expect((await storage.audit.list({ subjectId: id, action: 'subject.export' }))[0]).toMatchObject({
      actor: 'subject',
    });

    const erased = await fetch(`${http}/v1/me/data`, { method: 'DELETE', headers: me });
    expect(erased.status).toBe(200);
    expect(await erased.json()).toMatchObject({ erased: true, report: { found: true } });
    // The live session stores nothing more.
    await ask(caller, 'what are your opening hours');
    await settled(app);
    expect(await storage.subjects.get(id)).toBeNull();
    expect((await fetch(`${http}/v1/me/data`, { headers: me })).status).toBe(404);
    const everything = await allRowsText(storage.database);
    expect(everything).not.toContain(id);
    expect(everything).not.toContain('opening hours');
    if (instance.dataDir) {
      await storage.database.exec('CHECKPOINT');
      expect(filesContaining(instance.dataDir, Buffer.from(SENTENCE))).toEqual([]);
      expect(filesContaining(instance.dataDir, Buffer.from(ORDER))).toEqual([]);
    }
    caller.close();
  }, 60_000);

  test('a reply cut short by a later playback report is stored as heard', async () => {
    const { app, ws } = await serve();
    const { token, subject } = await tokenFor(app, 'interrupted-user');
    const caller = await TestCaller.start(ws, { greet: false, audio: true }, token);
    const end = await ask(caller, 'what are your opening hours');
    const full = end.spokenText;
    // The client played 600 ms of it, then the person spoke over it.
    caller.send({ type: 'playback', turnId: end.turnId, playedMs: 600 });
    caller.send({ type: 'transcript.get' });
    const { entries } = await caller.waitFor('transcript');
    const heard = entries.find((e) => e.role === 'agent')?.text ?? '';
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(full.length);
    await settled(app);
    const [session] = await storage.sessions.list(await storedId(subject));
    expect((await storage.sessions.turns(session?.id as string))[0]?.replyText).toBe(heard);
    caller.close();
  }, 60_000);

  test('with consent to audio, the utterance the recognizer heard is recorded', async () => {
    const { app, ws } = await serve();
    const { token, subject } = await tokenFor(app, 'speaking-user');
    const caller = await TestCaller.start(ws, { greet: false }, token);
    await caller.consent({ transcripts: false, audio: true, memory: false });
    const { audio } = await new FliteSynthesizer().synthesize({
      text: 'what are your opening hours',
      voice: 'rms',
    });
    await caller.speak(withLeadingSilence(audio.samples));
    await caller.waitFor('turn.end');
    await settled(app);
    const exported = await storage.exportSubject(await storedId(subject), {
      actor: 'test',
      includeAudio: false,
    });
    const recording = exported.audio[0];
    expect(recording).toMatchObject({ role: 'user', sampleRate: 16000 });
    // The utterance with its pre-roll: at least the speech itself.
    expect(recording?.samples).toBeGreaterThan(audio.samples.length / 2);
    caller.close();
  }, 60_000);

  test('data routes need a valid session token, admin routes the admin key', async () => {
    const { app, http } = await serve();
    expect((await fetch(`${http}/v1/me/data`)).status).toBe(401);
    const forged = await fetch(`${http}/v1/me/data`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ code: 'unauthorized' });
    expect((await fetch(`${http}/v1/admin/subjects/a_x/data`)).status).toBe(401);
    const { subject } = await tokenFor(app, 'admin-view-user');
    await storage.subjects.ensure({ externalId: subject });
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    const viewed = await fetch(`${http}/v1/admin/subjects/${subject}/data`, { headers: admin });
    expect(viewed.status).toBe(200);
    expect((await fetch(`${http}/v1/admin/subjects/a_unknown/data`, { headers: admin })).status).toBe(404);
    const purge = await fetch(`${http}/v1/admin/retention/run`, { method: 'POST', headers: admin });
    expect(await purge.json()).toMatchObject({ agents: expect.any(Object), total: expect.any(Number) });
    const erased = await fetch(`${http}/v1/admin/subjects/${subject}`, { method: 'DELETE', headers: admin });
    expect(await erased.json()).toMatchObject({ erased: true, report: { found: true } });

    // An open server has no tokens, so no "me"; each connection is a subject of its own.
    const open = await serve({ auth: false });
    expect((await fetch(`${open.http}/v1/me/data`)).status).toBe(403);
    const a = await TestCaller.start(open.ws);
    const b = await TestCaller.start(open.ws);
    expect(a.of('session.started')[0]?.subject?.id).toMatch(/^a_[0-9a-f]{32}$/);
    expect(a.of('session.started')[0]?.subject?.id).not.toBe(b.of('session.started')[0]?.subject?.id);
    a.close();
    b.close();
  }, 60_000);
});

describe('a server without storage', () => {
  it('says so at the start, keeps no consent, and has no data routes', async () => {
    const app = await createServer({ runtime });
    try {
      const http = await app.listen({ port: 0, host: '127.0.0.1' });
      const caller = await TestCaller.start(http.replace('http', 'ws'));
      expect(caller.of('session.started')[0]).toMatchObject({
        storage: false,
        resumed: false,
        subject: { consent: null },
        privacy: { policyVersion: '2026-03' },
      });
      caller.send({ type: 'consent.set', transcripts: true, audio: false, memory: false });
      expect(await caller.waitFor('error')).toMatchObject({ code: 'storage_unavailable', fatal: false });
      expect((await fetch(`${http}/v1/me/data`)).status).toBe(404);
      caller.close();
    } finally {
      await app.close();
    }
  }, 60_000);
});

/** The socket's events come before the session's writes: waits for those to land. */
function settled(app: FastifyInstance): Promise<void> {
  return app.storageSettled();
}
