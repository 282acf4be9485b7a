import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runVisemo } from './support/run-visemo.js';

const SENTENCE = 'my order number is 482913';

let dir: string;
let dataDir: string;
let subjectId: string;
const env = { ...process.env, VISEMO_MASTER_KEY: generateMasterKey(), DATABASE_URL: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'visemo-data-'));
  dataDir = path.join(dir, 'data');
  const storage = await openStorage({ dataDir, masterKey: env.VISEMO_MASTER_KEY, env: {} });
  try {
    const { subject } = await storage.subjects.ensure({ externalId: 's_cli-user' });
    subjectId = subject.id;
    await storage.consent.grant(subject.id, 'transcripts', { policyVersion: '2026-03' });
    const session = await storage.sessions.start({ subjectId: subject.id, agent: 'support-agent' });
    await storage.sessions.recordTurn(session, { userText: SENTENCE, replyText: 'I found it.' });
    await storage.sessions.end(session.id, 'client');
  } finally {
    await storage.close();
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const visemo = (args: string[]) => runVisemo(['data', ...args, '--data-dir', dataDir], '', env);

describe('visemo data', () => {
  it('exports a subject, found by its token subject, to a file', async () => {
    const file = path.join(dir, 'export.json');
    const run = await visemo(['export', '--subject', 's_cli-user', '-o', file]);
    expect(run.stderr).toMatch(/wrote .*export\.json: 1 session/);
    expect(run.code).toBe(0);
    const document = JSON.parse(await readFile(file, 'utf8'));
    expect(document.subject.id).toBe(subjectId);
    expect(document.sessions[0].turns[0].userText).toBe(SENTENCE);
  }, 60_000);

  it('purges by the agents’ retention and prints a table', async () => {
    const run = await visemo(['purge', '--agent', path.join(repoRoot, 'examples/support-agent')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^agent\s+abandoned sessions\s+transcripts\s+audio\s+memory\s+sessions\s+aggregates/,
    );
    expect(run.stdout).toMatch(/support-agent\s+0\s+0\s+0\s+0\s+0\s+0/);
    expect(run.stdout).toContain('total rows purged: 0');
  }, 60_000);

  it('erases only with --yes when not on a terminal, and audits the CLI as actor', async () => {
    const refused = await visemo(['erase', '--subject', subjectId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');

    const erased = await visemo(['erase', '--subject', subjectId, '--yes']);
    expect(erased.stderr).toBe(
      `… opening the embedded database in ${dataDir}\n… erasing subject ${subjectId}\n`,
    );
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/^erased subject .*: deleted .*turns 1, sessions 1/);

    const again = await visemo(['export', '--subject', subjectId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('unknown_subject');

    const storage = await openStorage({ dataDir, masterKey: env.VISEMO_MASTER_KEY, env: {} });
    try {
      const actions = (await storage.audit.list()).map((e) => `${e.actor} ${e.action}`);
      expect(actions).toEqual(expect.arrayContaining(['cli subject.export', 'cli subject.erase']));
    } finally {
      await storage.close();
    }
  }, 60_000);
});
