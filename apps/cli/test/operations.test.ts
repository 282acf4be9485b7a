import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tracing } from '@visemo/server';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runVisemo } from './support/run-visemo.js';

const supportAgent = path.join(repoRoot, 'examples/support-agent');
const hash = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-ops-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('visemo trace', () => {
  it('draws the turns of a stored trace file as waterfalls, and as a picture', async () => {
    const tracing = new Tracing({ env: {} });
    const session = tracing.forSession();
    session.turn({
      sessionId: '0b9e2c1a-0000-4000-8000-000000000000',
      turnId: 2,
      input: 'speech',
      fullReplyText: 'Sure.',
      spokenText: 'Sure.',
      interrupted: false,
      latency: {},
      marks: {
        inputEndedAt: 100,
        transcriptAt: 140,
        nluAt: 141,
        firstTextAt: 143,
        firstAudioAt: 200,
        lastAudioAt: 200,
        endedAt: 201,
      },
      providers: { notices: [] },
      nlu: { intent: 'order_status', confidence: 0.9, entities: [] },
      endedSession: false,
    });
    const file = path.join(dir, 'traces.json');
    await writeFile(file, JSON.stringify(tracing.recent.otlpJson()));
    await tracing.shutdown();
    const svg = path.join(dir, 'traces.svg');
    const run = await runVisemo(['trace', '--file', file, '--svg', svg]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^turn 2 · session 0b9e2c1a · speech · intent order_status/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual([
      'asr.final',
      'nlu',
      'dialogue.first_text',
      'tts.first_audio',
      'audio.send',
      'turn',
    ]);
    expect(run.stdout).toMatch(/asr\.final +█+ +40\.0 ms {2}@0\.00 ms/);
    expect(await readFile(svg, 'utf8')).toContain('<svg');
    expect((await runVisemo(['trace', '--file', file, '--server', 'http://x'])).code).toBe(2);
  }, 60_000);
});

describe('visemo models', () => {
  it('lists, promotes and rolls back in the storage, audited under the actor', async () => {
    const dataDir = path.join(dir, 'data');
    const masterKey = generateMasterKey();
    const seed = await openStorage({ env: {}, dataDir, masterKey });
    for (const text of ['one', 'two']) {
      await seed.models.register({
        agent: 'support-agent',
        kind: 'nlu',
        name: 'intent-classifier',
        contentHash: hash(text),
        eval: { heldOutAccuracy: text === 'one' ? 0.88 : 0.91 },
        actor: 'ci',
      });
    }
    await seed.models.promote({ agent: 'support-agent', kind: 'nlu', version: 1, actor: 'ci' });
    await seed.close();
    const env = { ...process.env, VISEMO_MASTER_KEY: masterKey };
    const common = ['--agent', supportAgent, '--data-dir', dataDir];

    const promoted = await runVisemo(
      ['models', 'promote', 'nlu', '2', ...common, '--actor', 'dana', '--reason', 'better'],
      '',
      env,
    );
    expect([promoted.code, promoted.stdout.trim()]).toEqual([
      0,
      'support-agent nlu: version 2 is promoted (by cli:dana)',
    ]);
    const listed = await runVisemo(['models', 'list', ...common], '', env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^ \* v2 +intent-classifier +sha256:[0-9a-f]{12}… .* ci {2}heldOutAccuracy 0\.910$/m,
    );
    expect(listed.stdout).toMatch(/last: promote to v2 by cli:dana \(better\)/);
    const back = await runVisemo(['models', 'rollback', 'nlu', ...common, '--actor', 'dana'], '', env);
    expect([back.code, back.stdout.trim()]).toEqual([
      0,
      'support-agent nlu: version 1 is back (by cli:dana)',
    ]);
    const nothing = await runVisemo(['models', 'rollback', 'nlu', ...common], '', env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/no earlier nlu promotion to roll back to \(unknown_model_version\)/);
    expect((await runVisemo(['models', 'promote', 'brain', '1', ...common], '', env)).code).toBe(2);

    const check = await openStorage({ env: {}, dataDir, masterKey });
    try {
      expect(await check.models.promoted('support-agent')).toEqual({ nlu: 1 });
      const audit = await check.audit.list({ action: 'model.rollback' });
      expect(audit[0]).toMatchObject({ actor: 'cli:dana', details: { kind: 'nlu', version: 1, from: 2 } });
    } finally {
      await check.close();
    }
  }, 120_000);
});
