import { fileURLToPath } from 'node:url';
import { FliteSynthesizer } from '@visemo/speech';
import type { Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectExport } from '../../storage/src/index.js';
import { BACKENDS, type BackendInstance, generateMasterKey } from '../../storage/test/backends.js';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const SECRET = 'a token secret of at least thirty-two bytes';
const API_KEY = 'site-backend-key-1';
const ORDER = '482913';
const ADMIN_KEY = 'an-admin-key-for-the-data-routes';

const pglite = BACKENDS.find((b) => b.name === 'pglite');
let instance: BackendInstance;
let storage: Storage;
let app: FastifyInstance;
let http: string;
let closeRuntime: () => Promise<void>;

beforeAll(async () => {
  const embedded = await createEmbeddedRuntime(supportAgent, { synthesisCacheBytes: 0 });
  closeRuntime = embedded.close;
  instance = (pglite as NonNullable<typeof pglite>).create();
  storage = await instance.open({ masterKey: generateMasterKey() });
  app = await createServer({
    runtime: embedded.runtime,
    storage,
    auth: { tokenSecret: SECRET, apiKeys: [API_KEY] },
    adminKey: ADMIN_KEY,
  });
  http = await app.listen({ port: 0, host: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await storage?.close();
  await instance?.destroy();
  await closeRuntime?.();
});

async function tokenFor(user: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/tokens',
    headers: { authorization: `Bearer ${API_KEY}` },
    payload: { subject: user },
  });
  return response.json().token;
}

async function ask(caller: TestCaller, text: string, turnId: number) {
  caller.send({ type: 'text', text });
  return caller.waitFor('turn.end', (e) => e.turnId === turnId);
}

describe('a shared conversation in storage', () => {
  it("keeps who said what, a joiner's words only with its own consent, and memory only of the host's turns", async () => {
    const ws = http.replace('http', 'ws');
    const anaToken = await tokenFor('ana');
    const ana = await TestCaller.start(ws, { name: 'Ana', audio: false }, anaToken);
    const started = ana.of('session.started')[0] as Extract<
      (typeof ana.events)[number],
      { type: 'session.started' }
    >;
    await ana.consent({ transcripts: true, audio: false, memory: true });

    const bo = await TestCaller.connect(ws, await tokenFor('bo'));
    bo.send({
      type: 'session.join',
      protocol: 1,
      sessionId: started.sessionId,
      invite: started.invite?.code,
      name: 'Bo',
      audio: false,
    });
    const joined = await bo.waitFor('session.started');
    // Its own subject, asked nothing yet: the page asks it as it asks anyone.
    expect(joined).toMatchObject({ storage: true, subject: { consent: null } });

    await ask(ana, 'what are your opening hours', 1);
    await ask(bo, `where is order ${ORDER}`, 2);
    expect((await bo.consent({ transcripts: true, audio: false, memory: false })).transcripts).toBe(true);
    await ask(bo, 'what are your opening hours', 3);
    await app.storageSettled();

    const [session] = await storage.sessions.list(
      (await storage.subjects.findByExternalId(started.subject?.id as string))?.id as string,
    );
    const turns = await storage.sessions.turns(session?.id as string);
    const user = turns.filter((t) => t.inputSource !== null).map((t) => [t.userText, t.details?.speaker]);
    expect(user).toEqual([
      ['what are your opening hours', { id: 'p1', name: 'Ana' }],
      // Before Bo consented: neither his words, his entities nor his name are kept.
      [null, { id: 'p2', name: 'Guest 2' }],
      ['what are your opening hours', { id: 'p2', name: 'Bo' }],
    ]);
    expect(turns[1]?.entities ?? []).toEqual([]);
    // Bo's order number is not remembered as Ana's.
    const anaId = (await storage.subjects.findByExternalId(started.subject?.id as string))?.id as string;
    expect(await storage.memory.list(anaId)).toEqual([]);

    // The host's export shows who said what.
    const exported = (await (
      await fetch(`${http}/v1/me/data`, { headers: { authorization: `Bearer ${anaToken}` } })
    ).json()) as SubjectExport;
    const names = exported.sessions[0]?.turns.map((t) => t.details?.speaker?.name).filter(Boolean);
    expect(names).toEqual(['Ana', 'Guest 2', 'Bo']);

    // The studio's debugger shows it too.
    const debug = await app.inject({
      url: `/v1/studio/sessions/${session?.id}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(debug.statusCode).toBe(200);
    const debugged = debug.json().turns as { speaker: { name: string } | null }[];
    expect(debugged.map((t) => t.speaker?.name ?? null)).toEqual(['Ana', 'Guest 2', 'Bo']);
    for (const c of [bo, ana]) c.close();
  });
});

describe('voices told apart on one microphone, in storage', () => {
  it("keeps each turn's voice in storage, so a resumed session still says who spoke", async () => {
    const embedded = await createEmbeddedRuntime(supportAgent, { synthesisCacheBytes: 0 });
    const kiosk = await createServer({
      runtime: { ...embedded.runtime, speakers: 'detect' },
      storage,
      auth: { tokenSecret: SECRET, apiKeys: [API_KEY] },
      adminKey: ADMIN_KEY,
    });
    try {
      const base = await kiosk.listen({ port: 0, host: '127.0.0.1' });
      const token = async () =>
        (
          await kiosk.inject({
            method: 'POST',
            url: '/v1/tokens',
            headers: { authorization: `Bearer ${API_KEY}` },
            payload: { subject: 'kiosk-7' },
          })
        ).json().token as string;
      const caller = await TestCaller.start(base.replace('http', 'ws'), {}, await token());
      await caller.consent({ transcripts: true, audio: false, memory: false });
      const flite = new FliteSynthesizer();
      for (const [text, voice] of [
        ['what are your opening hours', 'slt'],
        ['where is my order', 'rms'],
      ] as const) {
        const after = caller.mark();
        await caller.speak(withLeadingSilence((await flite.synthesize({ text, voice })).audio.samples));
        const final = await caller.waitFor('transcript.final', () => true, { after });
        await caller.waitFor('turn.end', (e) => e.turnId === final.turnId, { after });
      }
      await flite.close();
      const sessionId = (caller.of('session.started')[0] as { sessionId: string }).sessionId;
      caller.close();
      await kiosk.storageSettled();

      const subject = await storage.subjects.findByExternalId(
        (caller.of('session.started')[0] as { subject?: { id: string } }).subject?.id as string,
      );
      const [session] = await storage.sessions.list(subject?.id as string);
      const turns = await storage.sessions.turns(session?.id as string);
      expect(turns.filter((t) => t.inputSource !== null).map((t) => t.details?.speaker)).toEqual([
        { id: 'v1', name: 'Speaker 1' },
        { id: 'v2', name: 'Speaker 2' },
      ]);
      // Resumed, the transcript says who said what as it did live.
      const again = await TestCaller.start(base.replace('http', 'ws'), { resume: sessionId }, await token());
      again.send({ type: 'transcript.get' });
      const history = await again.waitFor('transcript');
      expect(history.entries.filter((e) => e.role === 'user').map((e) => e.speaker?.id)).toEqual([
        'v1',
        'v2',
      ]);
      again.close();
    } finally {
      await kiosk.close();
      await embedded.close();
    }
  }, 90_000);
});
