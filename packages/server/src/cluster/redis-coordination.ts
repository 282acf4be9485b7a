import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { SessionCensus } from './session-census.js';
import { SessionLeases } from './session-leases.js';

export interface CoordinationOptions {
  /** `redis://[:password@]host:port[/db]` (REDIS_URL). */
  url: string;
  /** Prefix of every key and channel, so deployments can share one Redis. Default `visemo:`. */
  prefix?: string;
  /** This replica's name in Redis; default the host name and a random suffix. */
  replicaId?: string;
  /** How long a lost replica's sessions stay leased to it. Default 15 s. */
  leaseMs?: number;
  /** How often each replica reports its session count. Default 2 s. */
  censusPeriodMs?: number;
}

/**
 * What replicas share through Redis (docs/deployment.md): session leases (a session live on one
 * replica only), the session census (admission across replicas) and the connection for shared
 * rate limits. Without it a server is a single replica, as before.
 */
export class RedisCoordination {
  private census: SessionCensus | null = null;

  private constructor(
    readonly redis: Redis,
    private readonly subscriber: Redis,
    readonly prefix: string,
    readonly replicaId: string,
    readonly leases: SessionLeases,
    private readonly censusPeriodMs: number,
  ) {}

  static async connect(options: CoordinationOptions): Promise<RedisCoordination> {
    const prefix = options.prefix ?? 'visemo:';
    const replicaId = options.replicaId ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
    // A short connect timeout and bounded retries: a request waits on a limit check, not forever
    // (@fastify/rate-limit's advice for ioredis).
    const connection = { connectTimeout: 2000, maxRetriesPerRequest: 2, lazyConnect: true };
    const redis = new Redis(options.url, connection);
    const subscriber = new Redis(options.url, connection);
    try {
      await redis.connect();
      await subscriber.connect();
    } catch (error) {
      redis.disconnect();
      subscriber.disconnect();
      throw new Error(`Redis at ${redactedUrl(options.url)} is not reachable: ${(error as Error).message}`);
    }
    const leases = await SessionLeases.start({
      redis,
      subscriber,
      prefix,
      replicaId,
      leaseMs: options.leaseMs ?? 15_000,
    });
    return new RedisCoordination(
      redis,
      subscriber,
      prefix,
      replicaId,
      leases,
      options.censusPeriodMs ?? 2000,
    );
  }

  /** Starts reporting this replica's session count; `count` is read at each report. */
  startCensus(count: () => number): SessionCensus {
    this.census ??= new SessionCensus({
      redis: this.redis,
      prefix: this.prefix,
      replicaId: this.replicaId,
      count,
      periodMs: this.censusPeriodMs,
    });
    void this.census.report().catch(() => undefined);
    return this.census;
  }

  async close(): Promise<void> {
    this.leases.close();
    await this.census?.leave().catch(() => undefined);
    this.subscriber.disconnect();
    await this.redis.quit().catch(() => undefined);
  }
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
