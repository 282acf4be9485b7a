import type { Redis } from 'ioredis';

/**
 * Records this replica's session count, drops replicas whose record expired, and returns the
 * sessions of all live replicas. Redis's own clock decides expiry, so the replicas' clocks need
 * not agree. KEYS: the replicas' expiry times (sorted set), their counts (hash).
 * ARGV: replica id, its count, time to live in ms.
 */
const REPORT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('ZREM', KEYS[1], dead)
  redis.call('HDEL', KEYS[2], dead)
end
local total = 0
for _, n in ipairs(redis.call('HVALS', KEYS[2])) do total = total + tonumber(n) end
return total`;

export interface SessionCensusOptions {
  redis: Redis;
  prefix: string;
  replicaId: string;
  /** This replica's sessions now. */
  count: () => number;
  /** How often the count is reported; a replica silent for three periods no longer counts. */
  periodMs: number;
}

/**
 * The sessions of every replica, for admission across them: each replica reports its own count
 * every period and learns the total. Admission stays synchronous — a session start must not wait
 * on Redis — so it compares against the total as of the last report, plus what started here since.
 */
export class SessionCensus {
  private othersCount = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: SessionCensusOptions) {
    this.timer = setInterval(() => void this.report().catch(() => undefined), options.periodMs);
    this.timer.unref();
  }

  /** Sessions on the other replicas as of the last report. */
  get others(): number {
    return this.othersCount;
  }

  /** Reports this replica's count; resolves with the sessions of all replicas. */
  async report(): Promise<number> {
    const { redis, prefix, replicaId, count, periodMs } = this.options;
    const own = count();
    const total = Number(
      await redis.eval(
        REPORT,
        2,
        `${prefix}replicas`,
        `${prefix}replica-sessions`,
        replicaId,
        own,
        periodMs * 3,
      ),
    );
    this.othersCount = Math.max(0, total - own);
    return total;
  }

  /** This replica leaves the census (a clean stop; a lost one expires). */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    const { redis, prefix, replicaId } = this.options;
    await redis.zrem(`${prefix}replicas`, replicaId);
    await redis.hdel(`${prefix}replica-sessions`, replicaId);
  }
}
