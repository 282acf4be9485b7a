import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedRuntime } from '../../src/embedded-runtime.js';
import { createServer } from '../../src/http/server.js';

/** The embedded runtime of the agent in `dir`, served on a free port; its WebSocket URL. */
export async function serveAgent(dir: string): Promise<{ app: FastifyInstance; url: string }> {
  const { runtime } = await createEmbeddedRuntime(dir);
  const app = await createServer({ runtime });
  const url = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  return { app, url };
}

/** `serveAgent` for an agent given as its `agent.yaml`. */
export async function serveAgentYaml(yaml: string): Promise<{ app: FastifyInstance; url: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'visemo-agent-'));
  await writeFile(path.join(dir, 'agent.yaml'), yaml);
  return serveAgent(dir);
}
