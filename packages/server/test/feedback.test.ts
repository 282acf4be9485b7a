import type { Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendInstance, generateMasterKey } from '../../storage/test/backends.js';
import { FlagFileProvider } from '../src/flags/flag-file-provider.js';
import { SessionFlags } from '../src/flags/session-flags.js';
import { createServer } from '../src/http/server.js';
import { audio, scriptedAgent } from './support/scripted-runtime.js';
import { TestCaller } from './support/test-caller.js';

/** Every session gets the 3D renderer's `enabled` variant: its telemetry must say so. */
const FLAGS = {
  flags: {
    renderer3d: { state: 'ENABLED', variants: { enabled: true, disabled: false }, defaultVariant: 'enabled' },
  },
};

interface TelemetryRow {
  input_source: string | null;
  intent: string | null;
  asr_rejected: boolean;
  handed_off: boolean;
  interrupted: boolean;
  feedback: string | null;
  flags: Record<string, string>;
}

describe.each(BACKENDS)('answer feedback and user signals on $name', (backend) => {
  const test = backend.unavailable ? it.skip : it;
  let instance: BackendInstance;
  let storage: Storage;
  let app: FastifyInstance;
  let flags: SessionFlags;
  let ws: string;
  const servers: FastifyInstance[] = [];

  beforeAll(async () => {
    if (backend.unavailable) return;
    instance = backend.create();
    storage = await instance.open({ masterKey: generateMasterKey() });
    flags = await SessionFlags.open({ provider: FlagFileProvider.fromDefinitions(FLAGS) });
    app = await createServer({ runtime: scriptedAgent().runtime, storage, flags });
    ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await app?.close();
    await flags?.close();
    await storage?.close();
    await instance?.destroy();
  });

  async function ask(caller: TestCaller, text: string) {
    const mark = caller.mark();
    caller.send({ type: 'text', text });
    return caller.waitFor('turn.end', () => true, { after: mark });
  }

  async function telemetry(): Promise<TelemetryRow[]> {
    const { rows } = await storage.database.query<TelemetryRow>(
      `SELECT input_source, intent, asr_rejected, handed_off, interrupted, feedback, flags
         FROM turn_telemetry ORDER BY id`,
    );
    return rows;
  }

  test('rates an answer on the turn and its telemetry; a bad or unknown rating leaves the session going', async () => {
    const caller = await TestCaller.start(ws, { greet: true, audio: false });
    const sessionId = caller.of('session.started')[0]?.sessionId as string;
    const answered = await ask(caller, 'when are you open');

    // A turn the session never answered: a clear error, not fatal.
    let mark = caller.mark();
    caller.send({ type: 'client.feedback', turnId: 7, rating: 'down' });
    const unknown = await caller.waitFor('error', () => true, { after: mark });
    expect(unknown).toMatchObject({ code: 'unknown_turn', fatal: false });
    expect(unknown.message).toContain('turnId 7');
    mark = caller.mark();
    caller.send({ type: 'client.feedback', turnId: answered.turnId, rating: 'meh' });
    expect(await caller.waitFor('error', () => true, { after: mark })).toMatchObject({
      code: 'bad_message',
      fatal: false,
    });

    mark = caller.mark();
    caller.send({ type: 'client.feedback', turnId: answered.turnId, rating: 'down' });
    expect(await caller.waitFor('feedback', () => true, { after: mark })).toEqual({
      type: 'feedback',
      turnId: answered.turnId,
      rating: 'down',
    });
    const turns = await storage.sessions.turns(sessionId);
    expect(turns.map((t) => [t.turnIndex, t.feedback])).toEqual([
      [0, null],
      [1, 'down'],
    ]);
    // The greeting is an answer too; a second rating replaces the first.
    mark = caller.mark();
    caller.send({ type: 'client.feedback', turnId: 0, rating: 'up' });
    caller.send({ type: 'client.feedback', turnId: 1, rating: 'up' });
    await caller.waitFor('feedback', (e) => e.turnId === 1, { after: mark });
    expect((await storage.sessions.turns(sessionId)).map((t) => t.feedback)).toEqual(['up', 'up']);
    expect((await telemetry()).map((r) => r.feedback)).toEqual(['up', 'up']);
    // Still answering.
    await ask(caller, 'is my order 42 here');
    caller.close();
  });

  test('telemetry tells a rejected utterance, a hand-off and a barge-in apart, with the flag variants', async () => {
    await storage.database.query('DELETE FROM turn_telemetry');
    const caller = await TestCaller.start(ws, { greet: false });
    // Speech the recognizer was given no words for: rejected, and the agent asks to rephrase.
    const speech = new Int16Array(16000);
    speech.set(audio(100, false));
    speech.set(audio(500, true), 1600);
    let mark = caller.mark();
    await caller.speak(speech);
    const rejected = await caller.waitFor('turn.end', () => true, { after: mark });
    expect(caller.of('transcript.final', mark)[0]).toMatchObject({ understood: false, source: 'speech' });
    // The apology comes after a grace period for more speech: let it be heard to its end.
    const apologyMs = caller
      .of('audio.chunk', mark)
      .reduce((ms, chunk) => ms + ((chunk as { durationMs?: number }).durationMs ?? 0), 0);
    await new Promise((resolve) => setTimeout(resolve, apologyMs + 100));
    await ask(caller, 'a human please');
    // Typed text while the answer is still heard (its turn has ended, its audio plays on) cuts it.
    await ask(caller, 'when are you open');
    mark = caller.mark();
    caller.send({ type: 'text', text: 'goodbye' });
    await caller.waitFor('session.ended', () => true, { after: mark });
    await app.storageSettled();

    const rows = await telemetry();
    expect(rows[0]).toMatchObject({ input_source: 'speech', asr_rejected: true, handed_off: false });
    expect(rows[1]).toMatchObject({ intent: 'talk_to_human', handed_off: true, asr_rejected: false });
    // Cut after its row was written: the telemetry row learns it too.
    expect(caller.of('interrupted', mark)[0]).toMatchObject({ turnId: 3, reason: 'client' });
    expect(rows[2]).toMatchObject({ intent: 'opening_hours', interrupted: true });
    for (const row of rows) expect(row.flags).toMatchObject({ renderer3d: 'enabled' });
    expect(rejected.turnId).toBe(1);
    const [signals] = await storage.telemetry.signals({
      agent: 'Scripted',
      since: new Date(Date.now() - 60_000),
      until: new Date(Date.now() + 60_000),
      byFlag: 'renderer3d',
    });
    expect(signals).toMatchObject({
      variant: 'enabled',
      turns: rows.length,
      speechTurns: 1,
      asrRejected: 1,
      handedOff: 1,
      notUnderstood: 1,
      // The hand-off's answer was still heard when the next question came, as was the hours'.
      interrupted: 2,
    });
  });

  test('a server with the drift job shows it on /metrics', async () => {
    const reports: unknown[] = [];
    const failures: unknown[] = [];
    const server = await createServer({
      runtime: scriptedAgent().runtime,
      storage,
      drift: {
        intervalMs: 3_600_000,
        onReport: (report) => reports.push(report),
        onError: (error) => failures.push(error),
      },
    });
    servers.push(server);
    await expect.poll(() => reports.length + failures.length).toBe(1);
    expect(failures).toEqual([]);
    const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    // A baseline without telemetry: no levels, and no alert.
    expect(metrics).toContain('visemo_drift_alert{agent="Scripted"} 0');
    expect(metrics).toMatch(/visemo_drift_checked_timestamp_seconds\{agent="Scripted"\} \d+/);
    expect(metrics).not.toContain('visemo_drift_level{');
  });
});

describe('answer feedback on a server without storage', () => {
  it('answers storage_unavailable, and the session goes on', async () => {
    const app = await createServer({ runtime: scriptedAgent().runtime });
    try {
      const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
      const caller = await TestCaller.start(ws, { greet: true, audio: false });
      const mark = caller.mark();
      caller.send({ type: 'client.feedback', turnId: 0, rating: 'up' });
      expect(await caller.waitFor('error', () => true, { after: mark })).toMatchObject({
        code: 'storage_unavailable',
        fatal: false,
      });
      caller.send({ type: 'text', text: 'when are you open' });
      await caller.waitFor('turn.end', (e) => e.turnId === 1);
      caller.close();
    } finally {
      await app.close();
    }
  });
});
