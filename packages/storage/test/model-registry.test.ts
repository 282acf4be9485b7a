import { createHash } from 'node:crypto';
import { ErrorCode } from '@visemo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promotionStack, type Storage } from '../src/index.js';
import { BACKENDS, type BackendInstance, generateMasterKey, TestClock } from './backends.js';

const hash = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('promotionStack', () => {
  it('pushes on a promotion and goes back one on a rollback', () => {
    const promote = (version: number) => ({ action: 'promote' as const, version });
    const rollback = (version: number) => ({ action: 'rollback' as const, version });
    expect(promotionStack([promote(1), promote(2), promote(3)])).toEqual([1, 2, 3]);
    expect(promotionStack([promote(1), promote(2), promote(3), rollback(2)])).toEqual([1, 2]);
    expect(promotionStack([promote(1), promote(2), rollback(1), promote(3)])).toEqual([1, 3]);
    // Promoting what is in effect changes nothing.
    expect(promotionStack([promote(1), promote(1)])).toEqual([1]);
  });
});

describe.each(BACKENDS)('the model registry on $name', (backend) => {
  if (backend.unavailable) {
    it.skip(backend.unavailable, () => {});
    return;
  }
  const clock = new TestClock();
  let instance: BackendInstance;
  let storage: Storage;
  let agents = 0;
  const newAgent = () => `agent-${++agents}-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    instance = backend.create();
    storage = await instance.open({ masterKey: generateMasterKey(), clock: clock.read });
  });
  afterAll(async () => {
    await storage?.close();
    await instance?.destroy();
  });

  it('numbers each distinct artifact per agent and kind, and finds one registered before by its hash', async () => {
    const agent = newAgent();
    const first = await storage.models.register({
      agent,
      kind: 'nlu',
      name: 'intent-classifier',
      contentHash: hash('a'),
      artifact: { training: { intents: [] } },
      eval: { heldOutAccuracy: 0.91 },
      actor: 'system:startup',
    });
    const again = await storage.models.register({
      agent,
      kind: 'nlu',
      name: 'intent-classifier',
      contentHash: hash('a'),
      actor: 'someone-else',
    });
    const second = await storage.models.register({
      agent,
      kind: 'nlu',
      name: 'intent-classifier',
      contentHash: hash('b'),
      actor: 'ci',
    });
    const voice = await storage.models.register({
      agent,
      kind: 'voice',
      name: 'flite:slt',
      contentHash: hash('a'),
      actor: 'ci',
    });
    expect([first.created, again.created, second.created, voice.created]).toEqual([true, false, true, true]);
    expect([
      first.version.version,
      again.version.version,
      second.version.version,
      voice.version.version,
    ]).toEqual([1, 1, 2, 1]);
    expect(again.version).toMatchObject({ registeredBy: 'system:startup', eval: { heldOutAccuracy: 0.91 } });
    expect((await storage.models.list({ agent, kind: 'nlu' })).map((v) => v.version)).toEqual([2, 1]);
    await expect(
      storage.models.register({ agent, kind: 'nlu', name: 'x', contentHash: 'md5:abc', actor: 'ci' }),
    ).rejects.toThrow(/sha256/);
  });

  it('promotes and rolls back, in an append-only history, each step audited', async () => {
    const agent = newAgent();
    for (const text of ['v1', 'v2', 'v3']) {
      await storage.models.register({
        agent,
        kind: 'nlu',
        name: 'intent-classifier',
        contentHash: hash(text),
        actor: 'ci',
      });
    }
    expect(await storage.models.promoted(agent)).toEqual({});
    await storage.models.promote({ agent, kind: 'nlu', version: 1, actor: 'admin:alice' });
    await storage.models.promote({
      agent,
      kind: 'nlu',
      version: 3,
      actor: 'admin:alice',
      reason: 'better on held-out',
    });
    expect(await storage.models.promoted(agent)).toEqual({ nlu: 3 });
    const back = await storage.models.rollback({
      agent,
      kind: 'nlu',
      actor: 'admin:bob',
      reason: 'hand-offs up',
    });
    expect(back).toMatchObject({
      version: 1,
      action: 'rollback',
      actor: 'admin:bob',
      reason: 'hand-offs up',
    });
    expect(await storage.models.promoted(agent)).toEqual({ nlu: 1 });
    await expect(storage.models.rollback({ agent, kind: 'nlu', actor: 'admin:bob' })).rejects.toMatchObject({
      code: ErrorCode.UnknownModelVersion,
    });
    await expect(
      storage.models.promote({ agent, kind: 'nlu', version: 9, actor: 'admin:bob' }),
    ).rejects.toMatchObject({
      code: ErrorCode.UnknownModelVersion,
    });

    const audited = (await storage.audit.list({ limit: 50 })).filter((e) => e.details.agent === agent);
    expect(audited.map((e) => [e.action, e.actor, e.details.version, e.details.from])).toEqual([
      ['model.rollback', 'admin:bob', 1, 3],
      ['model.promote', 'admin:alice', 3, 1],
      ['model.promote', 'admin:alice', 1, null],
      ['model.register', 'ci', 3, undefined],
      ['model.register', 'ci', 2, undefined],
      ['model.register', 'ci', 1, undefined],
    ]);
    await expect(storage.database.query("UPDATE model_promotions SET actor = 'x'")).rejects.toThrow(
      /append-only/,
    );
    expect((await storage.models.history(agent, 'nlu')).map((p) => [p.action, p.version])).toEqual([
      ['promote', 1],
      ['promote', 3],
      ['rollback', 1],
    ]);
  });
});
