import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import { AGENT_MODEL_PATH, type AgentRuntime } from '../src/runtime.js';
import { probeSocket } from './support/socket-probe.js';
import { stubRuntime } from './support/stub-runtime.js';

/** The agent's look reaches the page in `session.started`, and its own model file is served. */

const CLINIC = resolve(import.meta.dirname, '../../../examples/clinic-front-desk');
const apps: FastifyInstance[] = [];
let dir: string;

async function serve(runtime: AgentRuntime): Promise<string> {
  const app = await createServer({ runtime });
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function started(url: string) {
  const { events } = await probeSocket(url, { start: true });
  const event = events.find((e) => e.type === 'session.started');
  if (event?.type !== 'session.started') throw new Error('no session.started');
  return event;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'visemo-look-'));
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the agent’s look', () => {
  it('is told as agent.yaml gives it: the clinic’s Theo', async () => {
    const { runtime } = await createEmbeddedRuntime(CLINIC, { providers: false });
    const event = await started(await serve(runtime));
    expect(event.agent).toEqual({
      name: 'Theo',
      language: 'en-US',
      look: { character: 'theo', clothes: '#3d6f8e' },
    });
  });

  it('names the model file’s URL, which serves the agent’s file', async () => {
    const glb = Buffer.concat([Buffer.from('glTF'), Buffer.from([2, 0, 0, 0]), Buffer.alloc(64, 7)]);
    const file = join(dir, 'avatar.glb');
    writeFileSync(file, glb);
    const base = stubRuntime();
    const runtime = { ...base, persona: { ...base.persona, look: { character: 'maya' }, modelFile: file } };
    const url = await serve(runtime as AgentRuntime);
    const event = await started(url);
    expect(event.agent.look).toEqual({ character: 'maya', model: AGENT_MODEL_PATH });
    const response = await fetch(`${url}${AGENT_MODEL_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('model/gltf-binary');
    expect(Buffer.from(await response.arrayBuffer()).equals(glb)).toBe(true);
  });

  it('is absent, and no model is served, for a runtime without one', async () => {
    const url = await serve(stubRuntime());
    expect((await started(url)).agent).toEqual({ name: 'Stub', language: 'en-US' });
    expect((await fetch(`${url}${AGENT_MODEL_PATH}`)).status).toBe(404);
  });
});
