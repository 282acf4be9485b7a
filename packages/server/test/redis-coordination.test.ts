import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisCoordination } from '../src/cluster/redis-coordination.js';
import { ConnectionAdmission } from '../src/http/connection-admission.js';

const url = 'redis://127.0.0.1:6379';
const prefix = `visemo-test-${randomBytes(4).toString('hex')}:`;

async function reachable(): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const hasRedis = await reachable();
if (!hasRedis) console.warn('redis-coordination.test.ts: skipped, Redis at 127.0.0.1:6379 is not reachable');

const opened: RedisCoordination[] = [];
async function replica(name: string, leaseMs = 10_000): Promise<RedisCoordination> {
  const coordination = await RedisCoordination.connect({
    url,
    prefix,
    replicaId: name,
    leaseMs,
    censusPeriodMs: 60_000,
  });
  opened.push(coordination);
  return coordination;
}

afterAll(async () => {
  for (const coordination of opened) await coordination.close();
  if (!hasRedis) return;
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe.skipIf(!hasRedis)('replicas coordinated through Redis', () => {
  it('lets a session go on the replica that held it when another one claims it', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const lost = new Promise<string>((resolve) => void a.leases.claim('s-1', () => resolve('a lost s-1')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await a.leases.holder('s-1')).toBe('a');
    await b.leases.claim('s-1', () => undefined);
    expect(await lost).toBe('a lost s-1');
    expect(await b.leases.holder('s-1')).toBe('b');
    // A's late release does not free B's lease.
    await a.leases.release('s-1');
    expect(await b.leases.holder('s-1')).toBe('b');
    await b.leases.release('s-1');
    expect(await b.leases.holder('s-1')).toBeNull();
  });

  it('admits sessions against the total of all replicas, and forgets a replica that stops reporting', async () => {
    const a = await replica('census-a');
    const b = await replica('census-b');
    let onA = 3;
    const censusA = a.startCensus(() => onA);
    const censusB = b.startCensus(() => 1);
    await censusA.report();
    expect(await censusB.report()).toBeGreaterThanOrEqual(4);
    expect(censusB.others).toBeGreaterThanOrEqual(3);
    const admission = new ConnectionAdmission(
      { maxSessions: 10, clusterMaxSessions: 3 },
      () => censusB.others,
    );
    expect(admission.connect(() => undefined).start()?.code).toBe('session_limit');
    onA = 0;
    await censusA.report();
    await censusB.report();
    expect(admission.connect(() => undefined).start()).toBeUndefined();
    await censusA.leave();
    await censusB.report();
    expect(censusB.others).toBe(0);
  });
});
