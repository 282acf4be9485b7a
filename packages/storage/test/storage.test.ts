import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@visemo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, type Storage } from '../src/index.js';
import { BACKENDS, type BackendInstance, DAY, generateMasterKey, TestClock } from './backends.js';

const SENTENCE = 'my parcel with order number 4711 never arrived at 12 Baker Street';

describe.each(BACKENDS)('storage on $name', (backend) => {
  if (backend.unavailable) {
    it.skip(backend.unavailable, () => {});
    return;
  }
  const clock = new TestClock();
  const masterKey = generateMasterKey();
  let instance: BackendInstance;
  let storage: Storage;
  let agentCount = 0;
  /** Each test its own agent, so one test's purge does not see another's data. */
  const newAgent = () => `agent_${++agentCount}_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    instance = backend.create();
    storage = await instance.open({ masterKey, clock: clock.read });
  });
  afterAll(async () => {
    await storage?.close();
    await instance?.destroy();
  });

  async function newSession(
    options: { consent?: ('transcripts' | 'audio' | 'memory')[]; agent?: string } = {},
  ) {
    const { subject } = await storage.subjects.ensure();
    for (const category of options.consent ?? []) {
      await storage.consent.grant(subject.id, category, { policyVersion: '2026-01' });
    }
    const session = await storage.sessions.start({
      subjectId: subject.id,
      agent: options.agent ?? newAgent(),
    });
    return { subject, session };
  }

  async function restart(): Promise<Storage> {
    await storage.close();
    storage = await instance.open({ masterKey, clock: clock.read });
    return storage;
  }

  describe('schema', () => {
    it('migrates once: a second start applies nothing', async () => {
      const versions = loadMigrations().map((m) => m.version);
      expect(storage.migration.applied).toEqual(versions);
      expect((await restart()).migration).toEqual({ version: versions.at(-1), applied: [] });
    });

    it('refuses a database whose schema is newer than the code', async () => {
      await storage.database.query(
        "INSERT INTO visemo_migrations (version, name, checksum) VALUES (99, 'future', 'x')",
      );
      await storage.close();
      await expect(instance.open({ masterKey })).rejects.toMatchObject({
        code: ErrorCode.StorageSchemaMismatch,
        message: expect.stringContaining('newer'),
      });
      const raw = await instance.raw();
      await raw.query('DELETE FROM visemo_migrations WHERE version = 99');
      await raw.close();
      storage = await instance.open({ masterKey, clock: clock.read });
    });

    it('refuses a migration that changed after it was applied', async () => {
      await storage.database.query("UPDATE visemo_migrations SET checksum = 'edited' WHERE version = 1");
      await storage.close();
      await expect(instance.open({ masterKey })).rejects.toMatchObject({
        code: ErrorCode.StorageSchemaMismatch,
      });
      const raw = await instance.raw();
      await raw.query('UPDATE visemo_migrations SET checksum = $1 WHERE version = 1', [
        loadMigrations()[0]?.checksum,
      ]);
      await raw.close();
      storage = await instance.open({ masterKey, clock: clock.read });
    });
  });

  describe('subjects', () => {
    it('finds a subject by the external id, which is stored only encrypted', async () => {
      const { subject, created } = await storage.subjects.ensure({
        externalId: 'customer-31337@example.org',
      });
      expect(created).toBe(true);
      const again = await storage.subjects.ensure({ externalId: 'customer-31337@example.org' });
      expect(again).toEqual({ subject, created: false });
      expect(subject.externalId).toBe('customer-31337@example.org');
      const { rows } = await storage.database.query<{ row: string }>(
        'SELECT s::text AS row FROM subjects s WHERE id = $1',
        [subject.id],
      );
      expect(rows[0]?.row).not.toContain('31337');
    });

    it('gives a new subject for an unknown or malformed id', async () => {
      const { subject, created } = await storage.subjects.ensure({ id: 'not-a-uuid' });
      expect(created).toBe(true);
      expect(subject.id).not.toBe('not-a-uuid');
      expect((await storage.subjects.ensure({ id: subject.id })).created).toBe(false);
    });
  });

  describe('sessions and turns', () => {
    it('survive a restart: written through, read back decrypted', async () => {
      const { session } = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(session, {
        userText: SENTENCE,
        replyText: 'Sorry to hear that. Let me check order 4711.',
        intent: 'parcel_missing',
        confidence: 0.91,
        entities: [{ entity: 'order_number', value: '4711', text: '4711' }],
        latency: { asrFinalMs: 120, nluMs: 2 },
        providers: { asr: 'grammar', tts: 'flite' },
        answeredBy: 'intent',
        inputSource: 'speech',
      });
      await storage.sessions.recordTurn(session, {
        userText: 'thanks',
        replyText: 'You are welcome',
        interrupted: true,
      });
      const reopened = await restart();
      {
        expect(await reopened.sessions.get(session.id)).toMatchObject({
          id: session.id,
          agent: session.agent,
          endedAt: null,
        });
        const turns = await reopened.sessions.turns(session.id);
        expect(turns.map((t) => [t.turnIndex, t.userText, t.interrupted])).toEqual([
          [1, SENTENCE, false],
          [2, 'thanks', true],
        ]);
        expect(turns[0]).toMatchObject({
          entities: [{ entity: 'order_number', value: '4711', text: '4711' }],
          latency: { asrFinalMs: 120, nluMs: 2 },
          providers: { asr: 'grammar', tts: 'flite' },
          intent: 'parcel_missing',
          answeredBy: 'intent',
          inputSource: 'speech',
        });
        expect(turns[0]?.confidence).toBeCloseTo(0.91, 5);
      }
    });

    it('stores texts only as ciphertext bound to their row', async () => {
      const { session } = await newSession();
      const turn = await storage.sessions.recordTurn(session, { userText: SENTENCE });
      const { rows } = await storage.database.query<{ row: string }>(
        'SELECT t::text AS row FROM turns t WHERE id = $1',
        [turn.id],
      );
      expect(rows[0]?.row).not.toContain('4711');
      expect(rows[0]?.row).not.toContain(Buffer.from('4711').toString('hex'));
    });

    it('rejects a ciphertext moved to another subject or column', async () => {
      const a = await newSession();
      const b = await newSession();
      const turnA = await storage.sessions.recordTurn(a.session, { userText: SENTENCE, replyText: 'reply' });
      const turnB = await storage.sessions.recordTurn(b.session, { userText: 'hello' });
      await storage.database.query(
        'UPDATE turns SET user_text_enc = (SELECT user_text_enc FROM turns WHERE id = $1) WHERE id = $2',
        [turnA.id, turnB.id],
      );
      await expect(storage.sessions.turns(b.session.id)).rejects.toMatchObject({
        code: ErrorCode.StorageIntegrity,
      });
      await storage.database.query('UPDATE turns SET user_text_enc = reply_text_enc WHERE id = $1', [
        turnA.id,
      ]);
      await expect(storage.sessions.turns(a.session.id)).rejects.toMatchObject({
        code: ErrorCode.StorageIntegrity,
      });
    });

    it('keeps texts for the session without consent, and drops them when it ends', async () => {
      const { session } = await newSession({ consent: ['audio', 'memory'] });
      await storage.sessions.recordTurn(session, {
        userText: SENTENCE,
        replyText: 'ok',
        intent: 'parcel_missing',
      });
      expect((await storage.sessions.turns(session.id))[0]?.userText).toBe(SENTENCE);
      const ended = await storage.sessions.end(session.id, 'client');
      expect(ended).toMatchObject({ endReason: 'client', endedAt: clock.now });
      const [turn] = await storage.sessions.turns(session.id);
      expect(turn).toMatchObject({
        userText: null,
        replyText: null,
        entities: null,
        intent: 'parcel_missing',
      });
    });

    it('keeps a turn’s details sealed with its texts, and drops them with the texts', async () => {
      const { session } = await newSession({ consent: ['audio'] });
      const details = {
        ranking: [
          { intent: 'parcel_missing', confidence: 0.82 },
          { intent: 'order_status', confidence: 0.11 },
        ],
        flow: { name: 'missing_parcel', status: 'asking', awaiting: 'order_number' },
        visemes: [{ viseme: 'PP', startMs: 0, endMs: 80 }],
        voice: 'slt',
      };
      await storage.sessions.recordTurn(session, { userText: SENTENCE, intent: 'parcel_missing', details });
      expect((await storage.sessions.turns(session.id))[0]?.details).toEqual(details);
      const { rows } = await storage.database.query<{ details_enc: Uint8Array }>(
        'SELECT details_enc FROM turns WHERE session_id = $1',
        [session.id],
      );
      expect(Buffer.from(rows[0]?.details_enc ?? []).toString('latin1')).not.toContain('missing_parcel');
      await storage.sessions.end(session.id, 'client');
      expect((await storage.sessions.turns(session.id))[0]).toMatchObject({ details: null, userText: null });
    });

    it('lists the most recent sessions of an agent with their turn counts', async () => {
      const agent = newAgent();
      const first = await newSession({ agent });
      clock.advance(1000);
      const second = await newSession({ agent });
      await storage.sessions.recordTurn(second.session, { userText: 'one' });
      await storage.sessions.recordTurn(second.session, { userText: 'two' });
      const recent = await storage.sessions.recent({ agent });
      expect(recent.map((s) => [s.id, s.turns])).toEqual([
        [second.session.id, 2],
        [first.session.id, 0],
      ]);
      expect(await storage.sessions.recent({ agent, limit: 1 })).toHaveLength(1);
    });

    it('keeps texts after the session with consent to transcripts', async () => {
      const { session } = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(session, { userText: SENTENCE });
      await storage.sessions.end(session.id, 'client');
      expect((await storage.sessions.turns(session.id))[0]?.userText).toBe(SENTENCE);
    });

    it('revises a reply to what was heard, and leaves a reply no longer kept unkept', async () => {
      const { session } = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(session, {
        turnIndex: 3,
        userText: 'hours?',
        replyText: 'We open at nine. We close at five.',
      });
      expect(
        await storage.sessions.reviseReply(session, 3, { replyText: 'We open at nine.', interrupted: true }),
      ).toBe(true);
      expect((await storage.sessions.turns(session.id))[0]).toMatchObject({
        replyText: 'We open at nine.',
        interrupted: true,
      });
      expect(await storage.sessions.reviseReply(session, 4, { replyText: 'nothing' })).toBe(false);
      const other = await newSession();
      expect(
        await storage.sessions.reviseReply({ ...session, subjectId: other.subject.id }, 3, {
          replyText: 'x',
        }),
      ).toBe(false);

      const { subject, session: dropped } = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(dropped, { turnIndex: 1, replyText: 'a reply' });
      await storage.consent.withdraw(subject.id, 'transcripts', { policyVersion: '2026-01' });
      expect(await storage.sessions.reviseReply(dropped, 1, { replyText: 'a re' })).toBe(true);
      expect((await storage.sessions.turns(dropped.id))[0]?.replyText).toBeNull();
    });

    it('refuses turns for an ended, unknown or other subject’s session', async () => {
      const { session } = await newSession();
      const other = await newSession();
      await expect(storage.sessions.recordTurn({ ...session, id: randomUUID() }, {})).rejects.toMatchObject({
        code: ErrorCode.NoSession,
      });
      await expect(
        storage.sessions.recordTurn({ ...session, subjectId: other.subject.id }, { userText: 'x' }),
      ).rejects.toMatchObject({ code: ErrorCode.NoSession });
      await storage.sessions.end(session.id, 'idle');
      await expect(storage.sessions.recordTurn(session, {})).rejects.toMatchObject({
        code: ErrorCode.SessionClosed,
      });
      await expect(storage.sessions.start({ subjectId: randomUUID(), agent: 'a' })).rejects.toMatchObject({
        code: ErrorCode.UnknownSubject,
      });
    });

    it('audits a read on behalf of a person, not the conversation’s own', async () => {
      const { subject, session } = await newSession();
      await storage.sessions.recordTurn(session, { userText: 'hi' });
      await storage.sessions.turns(session.id);
      expect(await storage.audit.list({ subjectId: subject.id })).toEqual([]);
      await storage.sessions.turns(session.id, { actor: 'admin:support@example.org' });
      const [entry] = await storage.audit.list({ subjectId: subject.id });
      expect(entry).toMatchObject({
        actor: 'admin:support@example.org',
        action: 'data.read',
        subjectPseudonym: storage.pseudonymOf(subject.id),
        details: { category: 'transcripts', turns: 1 },
      });
    });
  });

  describe('telemetry', () => {
    it('writes a row per turn with neither text nor subject id, and aggregates it', async () => {
      const agent = newAgent();
      const { subject, session } = await newSession({ agent });
      await storage.sessions.recordTurn(session, {
        userText: SENTENCE,
        intent: 'parcel_missing',
        latency: { nluMs: 2 },
      });
      await storage.sessions.recordTurn(session, {
        userText: 'bye',
        intent: 'goodbye',
        latency: { nluMs: 4 },
        interrupted: true,
      });
      const { rows } = await storage.database.query<{ row: string }>(
        'SELECT t::text AS row FROM turn_telemetry t WHERE agent = $1',
        [agent],
      );
      expect(rows).toHaveLength(2);
      for (const { row } of rows) {
        expect(row).not.toContain(subject.id);
        expect(row).not.toContain(session.id);
        expect(row).not.toContain('4711');
        expect(row).toContain(storage.pseudonymOf(subject.id));
      }
      const summary = await storage.telemetry.summary({ agent });
      expect(summary).toMatchObject({
        turns: 2,
        subjects: 1,
        interrupted: 1,
        byIntent: { parcel_missing: 1, goodbye: 1 },
      });
      expect(summary.latencyMs.nluMs?.p50).toBeCloseTo(3, 5);
    });
  });

  describe('consent', () => {
    it('is append-only history where the last record wins', async () => {
      const { subject } = await newSession();
      expect(await storage.consent.allows(subject.id, 'memory')).toBe(false);
      await storage.consent.grant(subject.id, 'memory', { policyVersion: 'v1' });
      await storage.consent.withdraw(subject.id, 'memory', { policyVersion: 'v1' });
      await storage.consent.grant(subject.id, 'memory', { policyVersion: 'v2', actor: 'admin:dpo' });
      const current = await storage.consent.current(subject.id);
      expect(current.memory).toMatchObject({ granted: true, policyVersion: 'v2', actor: 'admin:dpo' });
      expect(current.audio).toBeNull();
      expect((await storage.consent.history(subject.id)).map((c) => c.granted)).toEqual([true, false, true]);
      await expect(storage.database.query("UPDATE consent_records SET state = 'granted'")).rejects.toThrow(
        /append-only/,
      );
    });

    it('withdrawing a category deletes its stored data for the subject', async () => {
      const { subject, session } = await newSession({ consent: ['transcripts', 'audio', 'memory'] });
      const turn = await storage.sessions.recordTurn(session, {
        userText: SENTENCE,
        intent: 'parcel_missing',
      });
      await storage.audio.save(session, {
        pcm: new Int16Array([1, 2, 3]),
        sampleRate: 16000,
        turnId: turn.id,
      });
      await storage.memory.upsert(subject.id, { key: 'name', value: 'Ada', agent: session.agent });

      expect((await storage.consent.withdraw(subject.id, 'audio', { policyVersion: 'v1' })).deleted).toBe(1);
      expect(await storage.audio.list(subject.id)).toEqual([]);
      expect((await storage.consent.withdraw(subject.id, 'memory', { policyVersion: 'v1' })).deleted).toBe(1);
      expect(await storage.memory.list(subject.id)).toEqual([]);
      expect(
        (await storage.consent.withdraw(subject.id, 'transcripts', { policyVersion: 'v1' })).deleted,
      ).toBe(1);
      expect((await storage.sessions.turns(session.id))[0]).toMatchObject({
        userText: null,
        intent: 'parcel_missing',
      });
    });
  });

  describe('audio', () => {
    it('is stored only with consent, and read back sample for sample', async () => {
      const { subject, session } = await newSession();
      const pcm = Int16Array.from({ length: 1600 }, (_, i) => Math.round(Math.sin(i / 5) * 12000));
      expect(await storage.audio.save(session, { pcm, sampleRate: 16000 })).toBeNull();
      expect(await storage.audio.list(subject.id)).toEqual([]);
      await storage.consent.grant(subject.id, 'audio', { policyVersion: 'v1' });
      const saved = await storage.audio.save(session, { pcm, sampleRate: 16000, role: 'user' });
      expect(saved).toMatchObject({ samples: 1600, sampleRate: 16000, role: 'user' });
      const read = await storage.audio.get(saved?.id as string);
      expect(read?.pcm).toEqual(pcm);
    });
  });

  describe('memory', () => {
    it('upserts, lists and deletes facts, only with consent', async () => {
      const { subject, session } = await newSession();
      expect(
        await storage.memory.upsert(subject.id, { key: 'allergy', value: 'peanuts', agent: session.agent }),
      ).toBeNull();
      await storage.consent.grant(subject.id, 'memory', { policyVersion: 'v1' });
      const turn = await storage.sessions.recordTurn(session, { userText: 'I am allergic to peanuts' });
      await storage.memory.upsert(subject.id, {
        key: 'allergy',
        value: 'peanuts',
        agent: session.agent,
        sourceTurnId: turn.id,
      });
      clock.advance(1000);
      const updated = await storage.memory.upsert(subject.id, {
        key: 'allergy',
        value: 'peanuts, shellfish',
        agent: session.agent,
      });
      await storage.memory.upsert(subject.id, { key: 'name', value: 'Ada', agent: session.agent });
      expect(updated?.updatedAt.getTime()).toBeGreaterThan(updated?.createdAt.getTime() ?? 0);
      expect((await storage.memory.list(subject.id)).map((f) => [f.key, f.value])).toEqual([
        ['allergy', 'peanuts, shellfish'],
        ['name', 'Ada'],
      ]);
      expect(await storage.memory.get(subject.id, 'name')).toMatchObject({ value: 'Ada' });
      const { rows } = await storage.database.query<{ row: string }>(
        'SELECT m::text AS row FROM memory_facts m WHERE subject_id = $1',
        [subject.id],
      );
      expect(rows.join()).not.toContain('allergy');
      expect(await storage.memory.delete(subject.id, 'allergy')).toBe(true);
      expect(await storage.memory.delete(subject.id, 'allergy')).toBe(false);
      expect((await storage.memory.list(subject.id)).map((f) => f.key)).toEqual(['name']);
    });
  });

  describe('export', () => {
    it('returns everything about the subject, decrypted, as JSON, and audits it', async () => {
      const { subject, session } = await newSession({ consent: ['transcripts', 'audio', 'memory'] });
      const other = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(other.session, { userText: 'someone else' });
      const turn = await storage.sessions.recordTurn(session, {
        userText: SENTENCE,
        replyText: 'Let me check.',
      });
      await storage.audio.save(session, {
        pcm: new Int16Array([100, -100]),
        sampleRate: 8000,
        turnId: turn.id,
      });
      await storage.memory.upsert(subject.id, {
        key: 'name',
        value: 'Ada',
        agent: session.agent,
        sourceTurnId: turn.id,
      });
      await storage.sessions.end(session.id, 'client');

      const exported = await storage.exportSubject(subject.id, { actor: 'admin:dpo' });
      const json = JSON.parse(JSON.stringify(exported));
      expect(json).toMatchObject({
        format: 'visemo.subject-export',
        version: 1,
        subject: { id: subject.id },
        consent: {
          current: { transcripts: { granted: true }, audio: { granted: true }, memory: { granted: true } },
        },
        sessions: [
          {
            id: session.id,
            endReason: 'client',
            turns: [{ userText: SENTENCE, replyText: 'Let me check.' }],
          },
        ],
        audio: [
          {
            turnId: turn.id,
            sampleRate: 8000,
            samples: 2,
            pcm16leBase64: Buffer.from(new Int16Array([100, -100]).buffer).toString('base64'),
          },
        ],
        memory: [{ key: 'name', value: 'Ada', sourceTurnId: turn.id }],
        telemetry: [{ agent: session.agent }],
      });
      expect(JSON.stringify(json)).not.toContain('someone else');
      const [audited] = await storage.audit.list({ subjectId: subject.id, action: 'subject.export' });
      expect(audited).toMatchObject({
        actor: 'admin:dpo',
        details: { sessions: 1, turns: 1, audio: 1, memory: 1 },
      });
      await expect(storage.exportSubject(randomUUID(), { actor: 'admin:dpo' })).rejects.toMatchObject({
        code: ErrorCode.UnknownSubject,
      });
    });
  });

  describe('erasure', () => {
    it('deletes every row of the subject and its key in one go, audited under the pseudonym', async () => {
      const { subject, session } = await newSession({ consent: ['transcripts', 'audio', 'memory'] });
      const kept = await newSession({ consent: ['transcripts'] });
      await storage.sessions.recordTurn(kept.session, { userText: 'still here' });
      const turn = await storage.sessions.recordTurn(session, { userText: SENTENCE });
      await storage.sessions.recordTurn(session, { userText: 'second' });
      await storage.audio.save(session, { pcm: new Int16Array([1]), sampleRate: 16000, turnId: turn.id });
      await storage.memory.upsert(subject.id, { key: 'name', value: 'Ada', agent: session.agent });

      const report = await storage.eraseSubject(subject.id, { actor: 'admin:dpo' });
      expect(report).toMatchObject({
        found: true,
        subjectPseudonym: storage.pseudonymOf(subject.id),
        deleted: {
          subjects: 1,
          subject_keys: 1,
          sessions: 1,
          turns: 2,
          audio_recordings: 1,
          memory_facts: 1,
          consent_records: 3,
        },
        telemetryAnonymised: 2,
        tablesRewritten: ['subject_keys', 'subjects'],
        walRetired: backend.name === 'pglite',
      });
      for (const table of [
        'subjects',
        'subject_keys',
        'sessions',
        'turns',
        'audio_recordings',
        'memory_facts',
        'consent_records',
      ]) {
        const column = table === 'subjects' ? 'id' : 'subject_id';
        const { rows } = await storage.database.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [
          subject.id,
        ]);
        expect(rows, table).toEqual([]);
      }
      const { rows: telemetry } = await storage.database.query(
        'SELECT 1 FROM turn_telemetry WHERE subject_pseudonym = $1',
        [report.subjectPseudonym],
      );
      expect(telemetry).toEqual([]);
      const [entry] = await storage.audit.list({ subjectId: subject.id, action: 'subject.erase' });
      expect(entry).toMatchObject({ actor: 'admin:dpo', details: { found: true, turns: 2 } });
      expect(JSON.stringify(entry)).not.toContain(subject.id);
      await expect(storage.sessions.recordTurn(session, { userText: 'after' })).rejects.toMatchObject({
        code: ErrorCode.UnknownSubject,
      });
      expect((await storage.sessions.turns(kept.session.id))[0]?.userText).toBe('still here');
      expect((await storage.eraseSubject(subject.id, { actor: 'admin:dpo' })).found).toBe(false);
    });
  });

  describe('retention', () => {
    it('purges each category per agent as it expires', async () => {
      const agent = newAgent();
      const retention = {
        agents: {
          [agent]: {
            audio: '7d',
            transcripts: '30d',
            memory: '365d',
            sessions: '90d',
            aggregates: 'forever',
          },
        },
      };
      const start = clock.now;
      const { subject, session } = await newSession({ agent, consent: ['transcripts', 'audio', 'memory'] });
      await storage.sessions.recordTurn(session, { userText: SENTENCE, intent: 'parcel_missing' });
      await storage.audio.save(session, { pcm: new Int16Array([1, 2]), sampleRate: 16000 });
      await storage.memory.upsert(subject.id, { key: 'name', value: 'Ada', agent });
      await storage.sessions.end(session.id, 'client');
      const purge = async (days: number) =>
        (
          await storage.purgeExpired(new Date(start.getTime() + days * DAY), {
            ...storage.retention,
            ...retention,
            agents: { ...storage.retention.agents, ...parsed(retention) },
          })
        ).agents[agent];

      expect(await purge(6)).toMatchObject({ audio: 0, transcripts: 0, memory: 0, sessions: 0 });
      expect(await purge(8)).toMatchObject({ audio: 1, transcripts: 0 });
      expect(await storage.audio.list(subject.id)).toEqual([]);
      expect(await purge(31)).toMatchObject({ audio: 0, transcripts: 1 });
      expect((await storage.sessions.turns(session.id))[0]).toMatchObject({
        userText: null,
        intent: 'parcel_missing',
      });
      expect(await purge(91)).toMatchObject({ sessions: 1, memory: 0 });
      expect(await storage.sessions.get(session.id)).toBeNull();
      expect(await purge(366)).toMatchObject({ memory: 1, aggregates: 0 });
      expect((await storage.telemetry.summary({ agent })).turns).toBe(1);
      const [entry] = await storage.audit.list({ action: 'retention.purge' });
      expect(entry?.actor).toBe('system:retention');
      expect(entry?.details.memory).toBeGreaterThanOrEqual(1);
    });

    it('ends sessions idle past the limit as abandoned, dropping unconsented texts', async () => {
      const agent = newAgent();
      const { session } = await newSession({ agent });
      await storage.sessions.recordTurn(session, { userText: SENTENCE });
      const report = await storage.purgeExpired(new Date(clock.now.getTime() + 2 * DAY));
      expect(report.agents[agent]).toMatchObject({ abandonedSessions: 1, transcripts: 0 });
      expect(await storage.sessions.get(session.id)).toMatchObject({ endReason: 'abandoned' });
      expect((await storage.sessions.turns(session.id))[0]?.userText).toBeNull();
    });

    it('runs as a background job until stopped', async () => {
      const reports: unknown[] = [];
      const job = storage.startRetentionJob({
        intervalMs: 3_600_000,
        runAtStart: false,
        onReport: (r) => reports.push(r),
      });
      const report = await job.runNow();
      expect(report.at).toEqual(clock.now);
      await job.stop();
      expect(reports).toEqual([]);
    });
  });

  describe('audit log', () => {
    it('refuses free text in its entries', async () => {
      await expect(
        storage.audit.record({
          actor: 'admin:x',
          action: 'admin.note',
          details: { note: 'the caller said her name is Ada' },
        }),
      ).rejects.toThrow(/identifier/);
      await expect(storage.database.query("UPDATE audit_log SET actor = 'x'")).rejects.toThrow(/append-only/);
    });
  });

  describe('master keys', () => {
    it('rotate: data written under the old key is read under the new one alone', async () => {
      const rotating = backend.create();
      const oldKey = generateMasterKey();
      const newKey = generateMasterKey();
      try {
        let s = await rotating.open({ masterKey: oldKey });
        const { subject } = await s.subjects.ensure({ externalId: 'visitor-1' });
        await s.consent.grant(subject.id, 'memory', { policyVersion: 'v1' });
        await s.memory.upsert(subject.id, { key: 'name', value: 'Ada', agent: 'a' });
        await s.close();

        await expect(rotating.open({ masterKey: newKey })).rejects.toMatchObject({
          code: ErrorCode.StorageKeyUnavailable,
        });
        s = await rotating.open({ masterKey: `${newKey},${oldKey}` });
        expect(await s.rotateMasterKey({ actor: 'admin:ops' })).toEqual({ subjectKeys: 1, secrets: 1 });
        await s.close();

        s = await rotating.open({ masterKey: newKey });
        expect((await s.subjects.ensure({ externalId: 'visitor-1' })).subject.id).toBe(subject.id);
        expect(await s.memory.get(subject.id, 'name')).toMatchObject({ value: 'Ada' });
        await s.close();
      } finally {
        await rotating.destroy();
      }
    });
  });
});

function parsed<T>(value: { agents: Record<string, T> }): Record<string, T & { idleSession: string }> {
  return Object.fromEntries(Object.entries(value.agents).map(([k, v]) => [k, { idleSession: '1d', ...v }]));
}
