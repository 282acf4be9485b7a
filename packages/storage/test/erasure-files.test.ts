import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../src/index.js';
import { BACKENDS, type BackendInstance, filesContaining, generateMasterKey } from './backends.js';

const SENTENCE = 'Please send the refund for my knee surgery invoice to IBAN DE44 5001 0517 5407 3249 31';

const pglite = BACKENDS.find((b) => b.name === 'pglite');

describe('erasure leaves nothing readable in the embedded database files', () => {
  let instance: BackendInstance;
  let storage: Storage;
  let dataDir: string;

  beforeAll(async () => {
    if (!pglite) throw new Error('no pglite backend');
    instance = pglite.create();
    dataDir = instance.dataDir as string;
    storage = await instance.open({ masterKey: generateMasterKey() });
  });
  afterAll(async () => {
    await storage?.close();
    await instance?.destroy();
  });

  it('has no plaintext in any file, and after erasure not the wrapped key either', async () => {
    const { subject } = await storage.subjects.ensure({ externalId: 'patient-0042' });
    for (const category of ['transcripts', 'audio', 'memory'] as const) {
      await storage.consent.grant(subject.id, category, { policyVersion: 'v1' });
    }
    const session = await storage.sessions.start({ subjectId: subject.id, agent: 'clinic' });
    const turn = await storage.sessions.recordTurn(session, {
      userText: SENTENCE,
      replyText: `You said: ${SENTENCE}`,
    });
    await storage.memory.upsert(subject.id, {
      key: 'iban',
      value: SENTENCE,
      agent: 'clinic',
      sourceTurnId: turn.id,
    });
    await storage.audio.save(session, {
      pcm: new Int16Array(Buffer.from(SENTENCE.padEnd(96, '.'))),
      sampleRate: 16000,
    });
    await storage.sessions.end(session.id, 'client');
    // Another subject keeps the key table and WAL busy, as a real deployment would.
    const { subject: other } = await storage.subjects.ensure();
    await storage.sessions.start({ subjectId: other.id, agent: 'clinic' });
    await storage.database.exec('CHECKPOINT');

    const plaintext = Buffer.from('DE44 5001 0517');
    const { rows } = await storage.database.query<{ wrapped_key: Uint8Array }>(
      'SELECT wrapped_key FROM subject_keys WHERE subject_id = $1',
      [subject.id],
    );
    const wrappedKey = Buffer.from(rows[0]?.wrapped_key as Uint8Array);
    expect(wrappedKey.length).toBe(61);
    expect(filesContaining(dataDir, plaintext)).toEqual([]);
    expect(filesContaining(dataDir, Buffer.from('patient-0042'))).toEqual([]);
    // The scan does find what is there: the wrapped key is in the key table's file and in the WAL.
    expect(filesContaining(dataDir, wrappedKey).length).toBeGreaterThan(0);

    const report = await storage.eraseSubject(subject.id, { actor: 'admin:dpo' });
    expect(report).toMatchObject({
      found: true,
      tablesRewritten: ['subject_keys', 'subjects'],
      walRetired: true,
    });
    await storage.database.exec('CHECKPOINT');
    expect(filesContaining(dataDir, wrappedKey)).toEqual([]);
    expect(filesContaining(dataDir, plaintext)).toEqual([]);

    // The key-table rewrite leaves the erased subject's unencrypted metadata (its id among it) as
    // dead rows in the other tables until they are reused; rewriting them all removes that too.
    const subjectIdBytes = Buffer.from(subject.id.replaceAll('-', ''), 'hex');
    expect(filesContaining(dataDir, subjectIdBytes).length).toBeGreaterThan(0);
    await storage.eraseSubject(other.id, { actor: 'admin:dpo', rewriteAllTables: true });
    expect(filesContaining(dataDir, subjectIdBytes)).toEqual([]);
    expect(filesContaining(dataDir, Buffer.from(other.id.replaceAll('-', ''), 'hex'))).toEqual([]);

    // Closing (a final checkpoint) brings nothing back.
    await storage.close();
    expect(filesContaining(dataDir, wrappedKey)).toEqual([]);
  });
});
