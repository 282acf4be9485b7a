import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@visemo/core';
import { FliteSynthesizer } from '@visemo/speech';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { stubRuntime } from './support/stub-runtime.js';
import { type EventOf, TestCaller, withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const MAX_PARTICIPANTS = 3;

let app: FastifyInstance;
let url: string;
const voice = new FliteSynthesizer();

async function say(text: string, speaker: string): Promise<Int16Array> {
  const { audio } = await voice.synthesize({ text, voice: speaker });
  return withLeadingSilence(audio.samples);
}

beforeAll(async () => {
  const { runtime } = await createEmbeddedRuntime(supportAgent);
  app = await createServer({ runtime, maxParticipants: MAX_PARTICIPANTS });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  url = address.replace('http', 'ws');
}, 120_000);

afterAll(async () => {
  await app?.close();
});

type Started = EventOf<'session.started'>;

/** A host's session and its invite. */
async function host(name = 'Ana', options: Record<string, unknown> = {}) {
  const caller = await TestCaller.start(url, { name, audio: false, ...options });
  const started = caller.of('session.started')[0] as Started;
  return { caller, started, invite: started.invite?.code ?? '' };
}

/** A second connection joining `sessionId`; resolves once the join was answered either way. */
async function join(
  sessionId: string,
  invite: string,
  fields: Record<string, unknown> = {},
  wsUrl = url,
  token?: string,
) {
  const caller = await TestCaller.connect(wsUrl, token);
  caller.send({ type: 'session.join', protocol: 1, sessionId, invite, audio: false, ...fields });
  await Promise.race([caller.waitFor('session.started'), caller.waitFor('error', (e) => e.fatal)]);
  return caller;
}

describe('joining a conversation', () => {
  it('admits a joiner with the invite: its own participant, the transcript so far, and everyone told', async () => {
    const { caller: ana, started, invite } = await host();
    expect(started.participant).toEqual({ id: 'p1', name: 'Ana' });
    expect(invite.length).toBeGreaterThanOrEqual(20);
    expect(started.invite?.maxParticipants).toBe(MAX_PARTICIPANTS);
    ana.send({ type: 'text', text: 'what are your opening hours' });
    await ana.waitFor('turn.end', (e) => e.turnId === 1);

    const bo = await join(started.sessionId, invite, { name: 'Bo' });
    const joined = await bo.waitFor('session.started');
    expect(joined.sessionId).toBe(started.sessionId);
    expect(joined.participant).toEqual({ id: 'p2', name: 'Bo' });
    expect(joined.participants).toEqual([
      { id: 'p1', name: 'Ana' },
      { id: 'p2', name: 'Bo' },
    ]);
    // The code is the host's to share, not every joiner's.
    expect(joined.invite).toBeUndefined();
    const history = await bo.waitFor('transcript');
    expect(history.entries.map((e) => `${e.role} ${e.text}`)).toEqual([
      'user what are your opening hours',
      expect.stringMatching(/^agent .*Monday to Friday/),
    ]);
    expect((await ana.waitFor('participant.joined')).participant).toEqual({ id: 'p2', name: 'Bo' });

    // A nameless joiner is a numbered guest.
    const guest = await join(started.sessionId, invite);
    expect((await guest.waitFor('session.started')).participant).toEqual({ id: 'p3', name: 'Guest 3' });
    for (const c of [guest, bo, ana]) c.close();
  });

  it('refuses a wrong code, an unknown session and a session that ended, all as bad_invite', async () => {
    const { caller: ana, started, invite } = await host();
    const attempts = [
      await join(started.sessionId, `${invite.slice(0, -1)}${invite.endsWith('A') ? 'B' : 'A'}`),
      await join(started.sessionId, 'short'),
      await join('no-such-session', invite),
    ];
    ana.send({ type: 'session.end' });
    await ana.waitFor('session.ended');
    attempts.push(await join(started.sessionId, invite));
    for (const attempt of attempts) {
      const error = await attempt.waitFor('error');
      expect(error).toMatchObject({ code: ErrorCode.BadInvite, fatal: true });
      expect(attempt.of('session.started')).toEqual([]);
      await waitClosed(attempt);
      expect(attempt.closeCode).toBe(1008);
    }
  });

  it('answers session_full past the cap, and takes a joiner again once someone left', async () => {
    const { caller: ana, started, invite } = await host();
    const others = [];
    for (let i = 1; i < MAX_PARTICIPANTS; i++) others.push(await join(started.sessionId, invite));
    const refused = await join(started.sessionId, invite, { name: 'Late' });
    expect(await refused.waitFor('error')).toMatchObject({ code: ErrorCode.SessionFull, fatal: true });
    await waitClosed(refused);
    expect(refused.closeCode).toBe(1013);

    others[0]?.close();
    await ana.waitFor('participant.left');
    const again = await join(started.sessionId, invite, { name: 'Late' });
    expect((await again.waitFor('session.started')).participant?.name).toBe('Late');
    for (const c of [again, ...others, ana]) c.close();
  });
});

describe('leaving', () => {
  it("a joiner's leaving ends nothing; the host's session.end ends it for everyone", async () => {
    const { caller: ana, started, invite } = await host();
    const bo = await join(started.sessionId, invite, { name: 'Bo' });
    const cy = await join(started.sessionId, invite, { name: 'Cy' });
    bo.send({ type: 'session.end' });
    expect((await bo.waitFor('session.ended')).reason).toBe('client');
    const left = await ana.waitFor('participant.left');
    expect(left).toMatchObject({ participant: { id: 'p2', name: 'Bo' }, reason: 'left' });
    expect((await cy.waitFor('participant.left')).participant.id).toBe('p2');

    // The conversation goes on for those still in it.
    cy.send({ type: 'text', text: 'what are your opening hours' });
    expect((await ana.waitFor('turn.end', (e) => e.turnId === 1)).spokenText).toMatch(/Monday/);

    ana.send({ type: 'session.end' });
    expect((await cy.waitFor('session.ended')).reason).toBe('client');
    await waitClosed(cy);
    expect(cy.closeCode).toBe(1000);
  });

  it("a host whose socket goes leaves the conversation to the others, and the last one's leaving ends it", async () => {
    const { caller: ana, started, invite } = await host();
    const bo = await join(started.sessionId, invite, { name: 'Bo' });
    ana.close();
    expect(await bo.waitFor('participant.left')).toMatchObject({
      participant: { id: 'p1' },
      reason: 'disconnected',
    });
    bo.send({ type: 'text', text: 'what are your opening hours' });
    expect((await bo.waitFor('turn.end', (e) => e.turnId === 1)).spokenText).toMatch(/Monday/);
    bo.close();
    await waitClosed(bo);
    // Ended: the code no longer opens it.
    const late = await join(started.sessionId, invite);
    expect((await late.waitFor('error')).code).toBe(ErrorCode.BadInvite);
  });
});

describe('speakers', () => {
  it('labels every user turn, live and in the transcript, with who said it', async () => {
    const { caller: ana, started, invite } = await host();
    const bo = await join(started.sessionId, invite, { name: 'Bo' });
    ana.send({ type: 'text', text: 'what are your opening hours' });
    await bo.waitFor('turn.end', (e) => e.turnId === 1);
    bo.send({ type: 'text', text: 'where is my order' });
    for (const c of [ana, bo]) {
      await c.waitFor('turn.end', (e) => e.turnId === 2);
      expect(c.of('transcript.final').map((e) => [e.turnId, e.speaker])).toEqual([
        [1, { id: 'p1', name: 'Ana' }],
        [2, { id: 'p2', name: 'Bo' }],
      ]);
    }
    ana.send({ type: 'transcript.get' });
    const transcript = await ana.waitFor('transcript', (e) => e.entries.length === 4);
    expect(transcript.entries.filter((e) => e.role === 'user').map((e) => e.speaker?.name)).toEqual([
      'Ana',
      'Bo',
    ]);
    for (const c of [bo, ana]) c.close();
  });

  it('the agent names the person it answers when it answers someone else than last time', async () => {
    const { caller: ana, started, invite } = await host();
    ana.send({ type: 'text', text: 'what are your opening hours' });
    const alone = await ana.waitFor('response.text', (e) => e.turnId === 1);
    // Alone, no one needs naming.
    expect(alone.text).not.toMatch(/^Ana,/);
    const bo = await join(started.sessionId, invite, { name: 'Bo' });
    bo.send({ type: 'text', text: 'what are your opening hours' });
    const toBo = await ana.waitFor('response.text', (e) => e.turnId === 2);
    expect(toBo.text).toMatch(/^Bo, /);
    ana.send({ type: 'text', text: 'what are your opening hours' });
    const toAna = await bo.waitFor('response.text', (e) => e.turnId === 3);
    expect(toAna.text).toMatch(/^Ana, /);
    // Everyone hears the same reply.
    expect((await ana.waitFor('turn.end', (e) => e.turnId === 3)).spokenText).toMatch(/^Ana, /);
    for (const c of [bo, ana]) c.close();
  });
});

describe('two microphones', () => {
  it("keeps each participant's audio in its own stream: each hears its own words, labelled", async () => {
    const { caller: ana, started, invite } = await host('Ana', { audio: true });
    const bo = await join(started.sessionId, invite, { name: 'Bo', audio: true });
    const [anaSays, boSays] = await Promise.all([
      say('what are your opening hours', 'slt'),
      say('where is my order', 'rms'),
    ]);
    // Both at once: mixed into one stream, neither sentence would be recognized whole.
    await Promise.all([ana.speak(anaSays), bo.speak(boSays)]);
    const finals = async (c: TestCaller) => {
      await c.waitFor('transcript.final', (e) => e.speaker?.id === 'p1');
      await c.waitFor('transcript.final', (e) => e.speaker?.id === 'p2');
      return Object.fromEntries(c.of('transcript.final').map((e) => [e.speaker?.name, e.text]));
    };
    for (const c of [ana, bo]) {
      expect(await finals(c)).toEqual({ Ana: 'what are your opening hours', Bo: 'where is my order' });
    }
    // Each one's VAD events go to that one alone: two of them each, none of the other's.
    expect(ana.of('vad').map((e) => e.state)).toEqual(['speech-start', 'speech-end']);
    expect(bo.of('vad').map((e) => e.state)).toEqual(['speech-start', 'speech-end']);
    // Both hear the agent: the same reply, chunk for chunk.
    const last = await ana.waitFor('turn.end', (e) => e.spokenText.length > 0);
    await bo.waitFor('turn.end', (e) => e.turnId === last.turnId);
    expect(ana.audio.length).toBeGreaterThan(0);
    expect(bo.audio.map((a) => a.bytes.byteLength)).toEqual(ana.audio.map((a) => a.bytes.byteLength));
    for (const c of [bo, ana]) c.close();
  }, 60_000);
});

describe('barge-in', () => {
  it("stops the agent's answer to one person when another starts speaking, for everyone", async () => {
    const { caller: ana, started, invite } = await host('Ana', { audio: true });
    const bo = await join(started.sessionId, invite, { name: 'Bo', audio: true });
    ana.send({ type: 'text', text: 'what are your opening hours' });
    await bo.waitFor('audio.chunk', (e) => e.turnId === 1);
    await bo.speak(await say('where is my order', 'rms'));
    for (const c of [ana, bo]) {
      expect(await c.waitFor('interrupted')).toMatchObject({ turnId: 1, reason: 'barge-in' });
      expect(await c.waitFor('transcript.final', (e) => e.turnId === 2)).toMatchObject({
        text: 'where is my order',
        speaker: { id: 'p2', name: 'Bo' },
      });
    }
    for (const c of [bo, ana]) c.close();
  }, 30_000);
});

describe('on a server with authentication', () => {
  it('a joiner needs a valid token of its own, besides the code', async () => {
    const SECRET = 'a token secret of at least thirty-two bytes';
    const secured = await createServer({
      runtime: stubRuntime(),
      auth: { tokenSecret: SECRET, apiKeys: ['key-1'] },
    });
    try {
      const http = await secured.listen({ port: 0, host: '127.0.0.1' });
      const ws = http.replace('http', 'ws');
      const token = async () =>
        (
          await secured.inject({
            method: 'POST',
            url: '/v1/tokens',
            headers: { authorization: 'Bearer key-1' },
          })
        ).json().token as string;
      const ana = await TestCaller.start(ws, { name: 'Ana', audio: false }, await token());
      const started = ana.of('session.started')[0] as Started;
      const code = started.invite?.code ?? '';
      const without = await join(started.sessionId, code, {}, ws);
      expect((await without.waitFor('error')).code).toBe(ErrorCode.Unauthorized);
      const bo = await join(started.sessionId, code, { name: 'Bo' }, ws, await token());
      const joined = await bo.waitFor('session.started');
      // Its own subject, not the host's.
      expect(joined.subject?.id).toMatch(/^a_/);
      expect(joined.subject?.id).not.toBe(started.subject?.id);
      for (const c of [bo, ana]) c.close();
    } finally {
      await secured.close();
    }
  });
});

async function waitClosed(caller: TestCaller): Promise<void> {
  for (let i = 0; i < 100 && !caller.closed; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('a listener who says nothing', () => {
  it('stays while others talk, and goes idle with them when the whole room is silent', async () => {
    const IDLE_MS = 600;
    const quiet = await createServer({ runtime: stubRuntime(), timeouts: { idleMs: IDLE_MS } });
    try {
      const ws = (await quiet.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
      const ana = await TestCaller.start(ws, { name: 'Ana', audio: false });
      const started = ana.of('session.started')[0] as Started;
      const bo = await join(started.sessionId, started.invite?.code ?? '', { name: 'Bo' }, ws);
      await bo.waitFor('session.started');
      // Ana keeps talking for three idle periods; Bo only listens.
      const until = Date.now() + 3 * IDLE_MS;
      while (Date.now() < until) {
        ana.send({ type: 'transcript.get' });
        await new Promise((r) => setTimeout(r, IDLE_MS / 4));
      }
      expect(bo.of('session.ended')).toEqual([]);
      expect(bo.closeCode).toBeNull();
      // Then nobody sends anything: both end as idle.
      expect((await bo.waitFor('session.ended')).reason).toBe('idle');
      expect((await ana.waitFor('session.ended')).reason).toBe('idle');
    } finally {
      await quiet.close();
    }
  }, 30_000);
});
