import { fileURLToPath } from 'node:url';
import type { AgentSpec } from '@visemo/core';
import { createNlu } from '@visemo/nlu';
import { openStorage, type RegistryJson, type Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { nluArtifact, nluTraining } from '../src/models/agent-artifacts.js';
import { ModelSelection } from '../src/models/model-selection.js';
import { TestCaller } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const ADMIN_KEY = 'admin-key-for-the-registry-tests-0123456789';
const AGENT = 'support-agent';
/** A word no example of the support agent has: only a model trained with it knows it. */
const WORD = 'zorblax';

describe('the model registry of a running server', () => {
  let embedded: EmbeddedRuntime;
  let storage: Storage;
  let models: ModelSelection;
  let app: FastifyInstance;
  let base: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    embedded = await createEmbeddedRuntime(supportAgent, {
      speechInput: false,
      providers: false,
      synthesisCacheBytes: 0,
    });
    storage = await openStorage({ env: {}, dataDir: 'memory://' });
    models = await ModelSelection.start({
      registry: storage.models,
      agent: AGENT,
      spec: embedded.agent.spec,
      runtime: embedded.runtime,
      pollMs: 0,
      onWarning: (message) => warnings.push(message),
    });
    app = await createServer({ runtime: embedded.runtime, models, adminKey: ADMIN_KEY });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);

  afterAll(async () => {
    models?.close();
    await app?.close();
    await embedded?.close();
    await storage?.close();
  });

  const admin = (path: string, body?: object) =>
    fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  /** The intent a new session's NLU gives the word. */
  async function newSessionIntent(): Promise<string | null> {
    const caller = await TestCaller.start(base.replace('http', 'ws'), { audio: false });
    caller.send({ type: 'text', text: WORD });
    const nlu = await caller.waitFor('nlu');
    caller.close();
    return nlu.intent;
  }

  /** A retrained NLU (one more example), registered as the next version with its evaluation. */
  async function registerRetrained(): Promise<number> {
    const spec = embedded.agent.spec;
    const training = nluTraining(spec);
    const hours = training.intents.find((i) => i.name === 'opening_hours');
    hours?.examples.push(WORD);
    const intents = training.intents as unknown as AgentSpec['intents'];
    const model = createNlu({ ...spec, intents });
    const { version } = await storage.models.register({
      agent: AGENT,
      ...nluArtifact(training, model),
      eval: { heldOutAccuracy: 0.9 },
      actor: 'ci:retrain',
    });
    return version.version;
  }

  it('registers what the agent runs at start-up, content-addressed, and promotes the first versions', async () => {
    const answer = await admin('/v1/admin/models');
    expect(answer.status).toBe(200);
    const listing = (await answer.json()) as {
      running: Record<string, { version: number; contentHash: string }>;
      versions: { kind: string; version: number; contentHash: string; metadata: Record<string, unknown> }[];
    };
    expect(Object.keys(listing.running).sort()).toEqual(['nlu', 'voice']);
    const nlu = listing.versions.find((v) => v.kind === 'nlu');
    expect(nlu?.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(nlu?.metadata.code).toMatch(/^0\.1\.0\+[0-9a-f]{12}$/);
    expect(nlu?.metadata.modelBytes).toBeGreaterThan(1000);
    // The same agent started again is the same artifact: no new version.
    const restarted = await ModelSelection.start({
      registry: storage.models,
      agent: AGENT,
      spec: embedded.agent.spec,
      runtime: embedded.runtime,
      pollMs: 0,
    });
    restarted.close();
    expect((await storage.models.list({ agent: AGENT, kind: 'nlu' })).length).toBe(1);
    expect(await admin('/v1/admin/models', undefined).then((r) => r.status)).toBe(200);
    expect((await fetch(`${base}/v1/admin/models`)).status).toBe(401);
  });

  it('runs a promoted version in the next session and a rollback in the one after, without a restart', async () => {
    expect(await newSessionIntent()).toBeNull();
    const retrained = await registerRetrained();
    expect(retrained).toBe(2);
    const promoted = await admin('/v1/admin/models/promote', {
      kind: 'nlu',
      version: retrained,
      actor: 'alice',
      reason: 'retrained on curated transcripts',
    });
    expect(promoted.status).toBe(200);
    expect(((await promoted.json()) as { running: { nlu: { version: number } } }).running.nlu.version).toBe(
      2,
    );
    expect(await newSessionIntent()).toBe('opening_hours');

    const rolledBack = await admin('/v1/admin/models/rollback', { kind: 'nlu', actor: 'bob' });
    expect(rolledBack.status).toBe(200);
    expect(await newSessionIntent()).toBeNull();

    const audit = await storage.audit.list({ limit: 20 });
    const steps = audit
      .filter((e) => e.action === 'model.promote' || e.action === 'model.rollback')
      .filter((e) => e.details.kind === 'nlu')
      .map((e) => [e.action, e.actor, e.details.version, e.details.from]);
    expect(steps.slice(0, 2)).toEqual([
      ['model.rollback', 'admin:bob', 1, 2],
      ['model.promote', 'admin:alice', 2, 1],
    ]);
  });

  it('picks up a promotion made straight in the database (as `visemo models` does) when it looks again', async () => {
    await storage.models.promote({ agent: AGENT, kind: 'nlu', version: 2, actor: 'cli:carol' });
    expect(await newSessionIntent()).toBeNull();
    await models.refresh();
    expect(await newSessionIntent()).toBe('opening_hours');
    await storage.models.rollback({ agent: AGENT, kind: 'nlu', actor: 'cli:carol' });
    await models.refresh();
    expect(await newSessionIntent()).toBeNull();
  });

  it('refuses to promote what it cannot run as registered, and a version that does not exist', async () => {
    const spec = embedded.agent.spec;
    const training = nluTraining(spec);
    training.intents[0]?.examples.push('something else entirely');
    // Registered with another model's hash: trained here, it is not what the registry says.
    const forged = {
      ...nluArtifact(nluTraining(spec), embedded.runtime.nlu),
      artifact: { training: training as unknown as RegistryJson },
    };
    forged.contentHash = `sha256:${'ab'.repeat(32)}`;
    const { version } = await storage.models.register({ agent: AGENT, ...forged, actor: 'ci' });
    const refused = await admin('/v1/admin/models/promote', { kind: 'nlu', version: version.version });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'model_unavailable' });
    expect(await storage.models.promoted(AGENT)).toMatchObject({ nlu: 1 });
    const missing = await admin('/v1/admin/models/promote', { kind: 'nlu', version: 99 });
    expect(missing.status).toBe(404);
  });

  it('keeps a pinned version whatever is promoted', async () => {
    const spec = { ...embedded.agent.spec, models: { promote: 'manual' as const, pin: { nlu: 2 } } };
    const pinned = await ModelSelection.start({
      registry: storage.models,
      agent: AGENT,
      spec,
      runtime: embedded.runtime,
      pollMs: 0,
    });
    try {
      expect(await storage.models.promoted(AGENT)).toMatchObject({ nlu: 1 });
      expect(pinned.current().versions.nlu?.version).toBe(2);
      expect(pinned.current().nlu.classify(WORD).intent).toBe('opening_hours');
    } finally {
      pinned.close();
    }
  });
});
