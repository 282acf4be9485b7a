import { randomBytes } from 'node:crypto';
import type { ServerEvent } from '@visemo/server';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ServeProcess, startServe } from './support/serve-process.js';

// Two `visemo serve` replicas on one PostgreSQL and one Redis, as a deployment runs them.
const admin = 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
const database = `visemo_replicas_${run}`;
const prefix = `visemo-test-${run}:`;

async function reachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    return `PostgreSQL at 127.0.0.1:5432 (${(error as Error).message})`;
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis at 127.0.0.1:6379 (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

const missing = await reachable();
if (missing) console.warn(`multi-replica.test.ts: skipped, ${missing} is not reachable`);

const env = {
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
  REDIS_URL: redisUrl,
  VISEMO_REDIS_PREFIX: prefix,
  VISEMO_MASTER_KEY: generateMasterKey(),
  VISEMO_TOKEN_SECRET: randomBytes(32).toString('hex'),
  VISEMO_API_KEYS: 'backend-key',
  VISEMO_ADMIN_KEY: 'admin-key-for-the-replica-test',
};
const replicas: ServeProcess[] = [];

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (missing) return;
  await adminQuery(`CREATE DATABASE ${database}`);
});

afterAll(async () => {
  for (const replica of replicas) replica.child.kill('SIGKILL');
  if (missing) return;
  await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

async function token(replica: ServeProcess): Promise<string> {
  const response = await fetch(`${replica.url}/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.VISEMO_API_KEYS}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'visitor-1' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

/** A client connection: its events, and a way to wait for the next one of a type. */
async function connect(replica: ServeProcess, resume?: string) {
  const socket = new WebSocket(`${replica.url.replace(/^http/, 'ws')}/v1/ws`, [
    'visemo.v1',
    `visemo.token.${await token(replica)}`,
  ]);
  const events: ServerEvent[] = [];
  const waiters: { type: string; resolve: (event: ServerEvent) => void }[] = [];
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const event = JSON.parse(String(data)) as ServerEvent;
    events.push(event);
    for (const waiter of waiters.filter((w) => w.type === event.type)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  });
  const next = <T extends ServerEvent['type']>(type: T) =>
    new Promise<Extract<ServerEvent, { type: T }>>((resolve) =>
      waiters.push({ type, resolve: resolve as (event: ServerEvent) => void }),
    );
  const started = next('session.started');
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve());
    socket.on('error', reject);
  });
  socket.send(
    JSON.stringify({ type: 'session.start', protocol: 1, greet: false, ...(resume ? { resume } : {}) }),
  );
  const session = await started;
  const say = async (text: string) => {
    const ended = next('turn.end');
    socket.send(JSON.stringify({ type: 'text', text }));
    return ended;
  };
  return { socket, events, session, say };
}

async function storedTurns(sessionId: string): Promise<number> {
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM turns WHERE session_id = $1', [
      sessionId,
    ]);
    return (rows[0] as { n: number }).n;
  } finally {
    await client.end();
  }
}

describe.skipIf(missing !== null)('two replicas on one PostgreSQL and one Redis', () => {
  it('resume a conversation on B after A is killed, and share a promotion made through B', async () => {
    // One after the other: the first registers the agent's models, the second finds them.
    replicas.push(await startServe(['--agent', 'examples/support-agent', '--speakers', '1'], { env }));
    replicas.push(await startServe(['--agent', 'examples/support-agent', '--speakers', '1'], { env }));
    const [a, b] = replicas as [ServeProcess, ServeProcess];

    const first = await connect(a);
    expect(first.session.resumed).toBe(false);
    await first.say('where is my order?');
    const sessionId = first.session.sessionId;
    const redis = new Redis(redisUrl);
    try {
      expect(await redis.get(`${prefix}lease:${sessionId}`)).toMatch(/.+/);
      const leaseOfA = await redis.get(`${prefix}lease:${sessionId}`);

      // Killed once its turn is stored: a turn still being written when the process dies is lost.
      await expect.poll(() => storedTurns(sessionId), { timeout: 10_000 }).toBeGreaterThan(0);
      a.child.kill('SIGKILL');
      const second = await connect(b, sessionId);
      expect(second.session).toMatchObject({ sessionId, resumed: true });
      const turn = await second.say('thanks');
      // The resumed session goes on after A's turn.
      expect(turn.turnId).toBeGreaterThan(1);
      const leaseOfB = await redis.get(`${prefix}lease:${sessionId}`);
      expect(leaseOfB).not.toBeNull();
      expect(leaseOfB).not.toBe(leaseOfA);
      second.socket.close();
    } finally {
      redis.disconnect();
    }

    const storage = await openStorage({ env });
    try {
      const turns = await storage.sessions.turns(sessionId);
      expect(turns.length).toBeGreaterThanOrEqual(2);

      // A new voice version, promoted through B, is what the sessions of a fresh A run with.
      replicas.push(await startServe(['--agent', 'examples/support-agent', '--speakers', '1'], { env }));
      const a2 = replicas[2] as ServeProcess;
      const running = (await storage.models.list({ agent: 'support-agent', kind: 'voice' })).at(-1);
      if (!running) throw new Error('no voice version registered');
      const synthesizer = String(running.artifact.synthesizer);
      const voice = ['rms', 'awb', 'kal'].find((v) => v !== running.artifact.voice) ?? 'rms';
      const registered = await storage.models.register({
        agent: 'support-agent',
        kind: 'voice',
        name: `${synthesizer}:${voice}`,
        contentHash: `sha256:${randomBytes(32).toString('hex')}`,
        artifact: { synthesizer, voice },
        actor: 'ci',
      });
      const promoted = await fetch(`${b.url}/v1/admin/models/promote`, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.VISEMO_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'voice', version: registered.version.version }),
      });
      expect(promoted.status).toBe(200);
      // A looks for promotions made elsewhere every 2 s: new sessions pick the version up then.
      let version: unknown;
      for (let attempt = 0; attempt < 20 && version !== registered.version.version; attempt++) {
        const client = await connect(a2);
        client.socket.close();
        await new Promise((resolve) => setTimeout(resolve, 500));
        const stored = await storage.sessions.get(client.session.sessionId);
        version = (stored?.flags.models as Record<string, { version: number }> | undefined)?.voice?.version;
      }
      expect(version).toBe(registered.version.version);
    } finally {
      await storage.close();
    }
  }, 300_000);
});
