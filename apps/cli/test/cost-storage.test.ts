import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbeddedRuntime, createServer } from '@visemo/server';
import { generateMasterKey, openStorage, type Storage, storedUsage } from '@visemo/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCaller } from '../../../packages/server/test/support/test-caller.js';
import { readMeasuredUsage } from '../src/cost/measured-usage.js';
import { pickSetup, usageProfile } from '../src/cost/usage-profile.js';
import { repoRoot } from './support/run-visemo.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const QUESTIONS = ['what are your opening hours', 'how much does shipping cost', 'talk to a human'];

describe('usage from stored sessions', () => {
  let storage: Storage;
  let dataDir: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'visemo-cost-'));
    storage = await openStorage({ env: {}, dataDir, masterKey: generateMasterKey() });
    const embedded = await createEmbeddedRuntime(supportAgent, { synthesisCacheBytes: 0, providers: false });
    const app = await createServer({ runtime: embedded.runtime, storage });
    const http = await app.listen({ port: 0, host: '127.0.0.1' });
    // Two conversations as the server records them: one of three turns, one of one.
    for (const asked of [QUESTIONS, QUESTIONS.slice(0, 1)]) {
      const caller = await TestCaller.start(http.replace('http', 'ws'));
      for (const text of asked) {
        const mark = caller.mark();
        caller.send({ type: 'text', text });
        await caller.waitFor('turn.end', () => true, { after: mark });
      }
      caller.send({ type: 'session.end' });
      await caller.waitFor('session.ended');
      caller.close();
    }
    close = async () => {
      await app.close();
      await embedded.close();
    };
  }, 120_000);

  afterAll(async () => {
    await close?.();
    await storage?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts the sessions, turns, answering paths, providers and bytes the recorder stored', async () => {
    const usage = await storedUsage(storage.database);
    expect(usage.sessions).toBe(2);
    expect(usage.turns).toBe(4);
    expect(Object.values(usage.answeredBy).reduce((n, c) => n + c, 0)).toBe(4);
    expect(Object.values(usage.providers.tts ?? {}).reduce((n, c) => n + c, 0)).toBe(4);
    expect(usage.sessionSeconds).toBeGreaterThan(0);
    expect(usage.bytes).toBeGreaterThan(0);
    expect(await storedUsage(storage.database, 'another-agent')).toMatchObject({ sessions: 0, turns: 0 });
  });

  it('refines the benchmark profile with what was stored', async () => {
    const stored = await storedUsage(storage.database);
    const measured = await readMeasuredUsage(join(repoRoot, 'docs/bench-usage.json'));
    const setup = pickSetup(measured);
    const profile = usageProfile({ measured, setup, stored });
    expect(profile.sessionSecondsPerTurn).toBeCloseTo(stored.sessionSeconds / stored.turns, 9);
    expect(profile.storageBytesPerTurn).toBeCloseTo(stored.bytes / stored.turns, 9);
    expect(profile.cpuSecondsPerTurn).toBe(setup.cpuSecondsPerTurn);
    expect(profile.sources.join('\n')).toMatch(/2 stored session\(s\) with 4 turn\(s\)/);
  });
});
