import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentPrivacySchema, ErrorCode, type ServerEvent } from '@visemo/core';
import { openStorage } from '@visemo/storage';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LiveSubjects, SessionRecorder } from '../src/data/session-recorder.js';
import { FlagFileProvider } from '../src/flags/flag-file-provider.js';
import {
  FEATURE_DEFAULTS,
  flagsFileFor,
  type SessionContext,
  SessionFlags,
} from '../src/flags/session-flags.js';
import { createServer } from '../src/http/server.js';
import { sessionRuntime } from '../src/http/session-operations.js';
import type { AgentRuntime } from '../src/runtime.js';
import { probeSocket } from './support/socket-probe.js';
import { stubRuntime } from './support/stub-runtime.js';

/** flagd definitions: a 30 % rollout of the 3D renderer, memory for staff pages only. */
const DEFINITIONS = {
  flags: {
    renderer3d: {
      state: 'ENABLED',
      variants: { enabled: true, disabled: false },
      defaultVariant: 'disabled',
      targeting: {
        fractional: [
          ['enabled', 30],
          ['disabled', 70],
        ],
      },
    },
    memory: {
      state: 'ENABLED',
      variants: { enabled: true, disabled: false },
      defaultVariant: 'disabled',
      targeting: { if: [{ '==': [{ var: 'origin' }, 'https://staff.example.org'] }, 'enabled', 'disabled'] },
    },
    llmFallback: {
      state: 'ENABLED',
      variants: { enabled: true, disabled: false },
      defaultVariant: 'disabled',
    },
  },
};

const context = (targetingKey: string, extra: Partial<SessionContext> = {}): SessionContext => ({
  targetingKey,
  agent: 'support-agent',
  language: 'en-US',
  subject: 'known',
  ...extra,
});

const opened: SessionFlags[] = [];
async function openFlags(options: Parameters<typeof SessionFlags.open>[0]): Promise<SessionFlags> {
  const flags = await SessionFlags.open(options);
  opened.push(flags);
  return flags;
}
afterEach(async () => {
  for (const flags of opened.splice(0)) await flags.close();
});

describe('feature flags through OpenFeature', () => {
  it('roll a percentage out by the subject, the same variant in every session', async () => {
    const flags = await openFlags({ provider: FlagFileProvider.fromDefinitions(DEFINITIONS) });
    const subjects = Array.from({ length: 2000 }, (_, i) => `s_subject${i}`);
    const first = await Promise.all(subjects.map((s) => flags.evaluate(context(s))));
    const share = first.filter((state) => state.features.renderer3d).length / subjects.length;
    expect(share).toBeGreaterThan(0.27);
    expect(share).toBeLessThan(0.33);
    // Sticky: later sessions of the same people, on another server's flags, get what they got.
    const again = await openFlags({ provider: FlagFileProvider.fromDefinitions(DEFINITIONS) });
    const second = await Promise.all(subjects.slice(0, 300).map((s) => again.evaluate(context(s))));
    expect(second.map((s) => s.features.renderer3d)).toEqual(
      first.slice(0, 300).map((s) => s.features.renderer3d),
    );
    expect(first[0]?.flags.renderer3d).toMatchObject({ reason: 'TARGETING_MATCH' });
  });

  it('target a segment by the context, and keep the defaults of flags the file leaves out', async () => {
    const flags = await openFlags({ provider: FlagFileProvider.fromDefinitions(DEFINITIONS) });
    const staff = await flags.evaluate(context('s_1', { origin: 'https://staff.example.org' }));
    const visitor = await flags.evaluate(context('s_1', { origin: 'https://shop.example.org' }));
    expect([staff.features.memory, visitor.features.memory]).toEqual([true, false]);
    expect(staff.flags.memory).toEqual({ value: true, variant: 'enabled', reason: 'TARGETING_MATCH' });
    // Static: off for everyone.
    expect(visitor.flags.llmFallback).toEqual({ value: false, variant: 'disabled', reason: 'STATIC' });
    // Not in the file: the default, with the reason saying so.
    expect(visitor.features.expressions).toBe(FEATURE_DEFAULTS.expressions);
    expect(visitor.flags.expressions.reason).toBe('ERROR');
  });

  it('read a YAML file, follow its edits without a restart, and refuse one that is not flagd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'visemo-flags-'));
    try {
      const file = join(dir, 'flags.yaml');
      const yaml = (value: 'enabled' | 'disabled') =>
        `flags:\n  handsFree:\n    state: ENABLED\n    variants: { enabled: true, disabled: false }\n    defaultVariant: ${value}\n`;
      writeFileSync(file, yaml('disabled'));
      expect(flagsFileFor(dir, {})).toBe(file);
      expect(flagsFileFor(dir, { VISEMO_FLAGS: '/etc/visemo/flags.json' })).toBe('/etc/visemo/flags.json');
      const flags = await openFlags({ provider: new FlagFileProvider(file, { intervalMs: 50 }) });
      expect((await flags.evaluate(context('s_1'))).features.handsFree).toBe(false);
      writeFileSync(file, `${yaml('enabled')}# rolled out\n`);
      const deadline = Date.now() + 10_000;
      let handsFree = false;
      while (!handsFree && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        handsFree = (await flags.evaluate(context('s_1'))).features.handsFree;
      }
      expect(handsFree).toBe(true);

      writeFileSync(file, 'flags:\n  handsFree:\n    state: SOMETIMES\n');
      await expect(SessionFlags.open({ file })).rejects.toMatchObject({ code: ErrorCode.FlagsInvalid });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a session’s flags', () => {
  const SECRET = 'a token secret of at least thirty-two bytes';
  const API_KEY = 'site-backend-key-1';
  let app: FastifyInstance;
  let ws: string;
  let flags: SessionFlags;

  beforeAll(async () => {
    flags = await SessionFlags.open({ provider: FlagFileProvider.fromDefinitions(DEFINITIONS) });
    app = await createServer({
      runtime: stubRuntime(),
      flags,
      auth: { tokenSecret: SECRET, apiKeys: [API_KEY] },
    });
    ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  });
  afterAll(async () => {
    await app?.close();
    await flags?.close();
  });

  async function startedFor(subject: string): Promise<Extract<ServerEvent, { type: 'session.started' }>> {
    const issued = await app.inject({
      method: 'POST',
      url: '/v1/tokens',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: { subject },
    });
    const { token, subject: pseudonym } = issued.json() as { token: string; subject: string };
    const outcome = await probeSocket(ws, { protocols: ['visemo.v1', `visemo.token.${token}`], start: true });
    const started = outcome.events.find((e) => e.type === 'session.started');
    if (started?.type !== 'session.started')
      throw new Error(`no session.started: ${JSON.stringify(outcome)}`);
    // What the page is told is what the subject's pseudonym is rolled out to.
    const expected = await flags.evaluate(context(pseudonym));
    expect(started.features?.renderer3d).toBe(expected.features.renderer3d);
    return started;
  }

  it('are told in session.started, the same for a person in every session', async () => {
    const customers = Array.from({ length: 12 }, (_, i) => `customer-${i}`);
    const first = await Promise.all(customers.map((c) => startedFor(c)));
    expect(first[0]?.features).toEqual({
      renderer3d: expect.any(Boolean),
      expressions: true,
      handsFree: true,
      llmFallback: false,
      memory: false,
    });
    const second = await Promise.all(customers.map((c) => startedFor(c)));
    expect(second.map((s) => s.features?.renderer3d)).toEqual(first.map((s) => s.features?.renderer3d));
  });

  it('are kept with the stored session, so signals can be compared per variant', async () => {
    const storage = await openStorage({ env: {}, dataDir: 'memory://' });
    const stored = await createServer({
      runtime: stubRuntime(),
      flags,
      storage,
      auth: { tokenSecret: SECRET, apiKeys: [API_KEY] },
    });
    try {
      const storedWs = (await stored.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
      const issued = await stored.inject({
        method: 'POST',
        url: '/v1/tokens',
        headers: { authorization: `Bearer ${API_KEY}` },
        payload: { subject: 'customer-stored' },
      });
      const { token, subject } = issued.json() as { token: string; subject: string };
      const outcome = await probeSocket(storedWs, {
        protocols: ['visemo.v1', `visemo.token.${token}`],
        start: true,
      });
      const started = outcome.events.find((e) => e.type === 'session.started');
      if (started?.type !== 'session.started') throw new Error('no session.started');
      await stored.storageSettled();
      const session = await storage.sessions.get(started.sessionId);
      const expected = await flags.evaluate(context(subject));
      expect(session?.flags).toEqual({ features: expected.features, flags: expected.flags });
      expect(started.features).toEqual(expected.features);
    } finally {
      await stored.close();
      await storage.close();
    }
  });

  it('keep memory out of a session whose memory flag is off', async () => {
    const storage = await openStorage({ env: {}, dataDir: 'memory://' });
    try {
      const { subject } = await storage.subjects.ensure({ externalId: 's_returning' });
      await storage.consent.grant(subject.id, 'memory', { policyVersion: '1' });
      await storage.memory.upsert(subject.id, { key: 'order_number', value: '4711', agent: 'stub' });
      const slotsWith = async (memory: boolean) => {
        const recorder = new SessionRecorder({
          storage,
          agent: { id: 'stub', privacy: AgentPrivacySchema.parse({}) },
          subjectName: 's_returning',
          live: new LiveSubjects(),
          log: { warn: () => {}, error: () => {}, info: () => {} } as unknown as FastifyBaseLogger,
          variant: { flags: { features: { memory } }, memory },
        });
        const setup = await recorder.prepare({
          type: 'session.start',
          protocol: 1,
          sampleRate: 16000,
          audio: true,
          greet: false,
        });
        const stored = await storage.sessions.get(setup.sessionId as string);
        return { slots: setup.dialogue?.slots, flags: stored?.flags };
      };
      expect(await slotsWith(true)).toEqual({
        slots: { order_number: '4711' },
        flags: { features: { memory: true } },
      });
      expect(await slotsWith(false)).toEqual({ slots: {}, flags: { features: { memory: false } } });
    } finally {
      await storage.close();
    }
  });

  it('take the language model out of a session whose llmFallback is off', () => {
    const choices: unknown[] = [];
    const runtime = {
      ...stubRuntime(),
      llm: { name: 'model' },
      createDialogue: (_context?: unknown, choice?: { llm?: boolean }) => {
        choices.push(choice);
        return { respond: () => ({}) };
      },
    } as unknown as AgentRuntime;
    const choice = { llm: true };
    const view = sessionRuntime(runtime, { choice, models: null });
    // The flag is read when the session makes its dialogue, after its flags were evaluated.
    expect(view.llm).toEqual({ name: 'model' });
    choice.llm = false;
    expect(view.llm).toBeNull();
    view.createDialogue();
    expect(choices).toEqual([{ llm: false }]);
    // Everything else is the shared runtime's.
    expect(view.persona).toBe(runtime.persona);
  });
});
