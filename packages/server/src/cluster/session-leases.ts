import type { Redis } from 'ioredis';

/** Renews the lease when it is this replica's; 0 when another replica took it. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Gives the lease up only when it is still this replica's. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface SessionLeaseOptions {
  redis: Redis;
  /** A second connection in subscriber mode, for the claims of other replicas. */
  subscriber: Redis;
  prefix: string;
  replicaId: string;
  /** How long a lease outlives its last renewal: a lost replica's sessions are free after it. */
  leaseMs: number;
}

/**
 * Which replica a session is live on. A replica that starts a session (new or resumed) claims its
 * lease and announces the claim; a replica still holding the session — its client reconnected
 * elsewhere while it lives on — hears the claim, or finds its renewal refused, and lets the
 * session go, so two replicas never write one conversation.
 */
export class SessionLeases {
  private readonly held = new Map<string, () => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly channel: string;

  private constructor(private readonly options: SessionLeaseOptions) {
    this.channel = `${options.prefix}lease-claims`;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(options.leaseMs / 3)));
    this.timer.unref();
  }

  static async start(options: SessionLeaseOptions): Promise<SessionLeases> {
    const leases = new SessionLeases(options);
    options.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== leases.channel) return;
      const [sessionId = '', replicaId] = message.split(' ');
      if (replicaId !== options.replicaId) leases.lose(sessionId);
    });
    await options.subscriber.subscribe(leases.channel);
    return leases;
  }

  /** Sessions live here now. */
  get size(): number {
    return this.held.size;
  }

  /** The session is live here from now on; `onLost` runs if another replica takes it. */
  async claim(sessionId: string, onLost: () => void): Promise<void> {
    const { redis, replicaId, leaseMs } = this.options;
    this.held.set(sessionId, onLost);
    await redis.set(this.key(sessionId), replicaId, 'PX', leaseMs);
    await redis.publish(this.channel, `${sessionId} ${replicaId}`);
  }

  /** The session ended here. */
  async release(sessionId: string): Promise<void> {
    if (!this.held.delete(sessionId)) return;
    await this.options.redis.eval(RELEASE, 1, this.key(sessionId), this.options.replicaId);
  }

  /** The replica holding the session now, if any. */
  holder(sessionId: string): Promise<string | null> {
    return this.options.redis.get(this.key(sessionId));
  }

  close(): void {
    clearInterval(this.timer);
    this.held.clear();
  }

  private async renew(): Promise<void> {
    const { redis, replicaId, leaseMs } = this.options;
    for (const sessionId of [...this.held.keys()]) {
      const kept = await redis.eval(RENEW, 1, this.key(sessionId), replicaId, leaseMs).catch(() => 1);
      if (kept === 0) this.lose(sessionId);
    }
  }

  private lose(sessionId: string): void {
    const onLost = this.held.get(sessionId);
    if (!onLost) return;
    this.held.delete(sessionId);
    onLost();
  }

  private key(sessionId: string): string {
    return `${this.options.prefix}lease:${sessionId}`;
  }
}
