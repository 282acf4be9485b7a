import { isIP } from 'node:net';

/**
 * A token bucket per key (an address, a subject): `burst` attempts at once, refilled at
 * `perMinute`. Keys whose bucket is full again are forgotten, so memory follows the keys that are
 * active now.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(options: { perMinute: number; burst?: number; now?: () => number }) {
    this.perMs = options.perMinute / 60_000;
    this.burst = options.burst ?? options.perMinute;
    this.now = options.now ?? Date.now;
  }

  /** Takes one attempt for `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
  }
}

/** Open connections per key, at most `max` each. */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts one more connection for `key`; false (and nothing counted) when it holds `max`. */
  acquire(key: string): boolean {
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return false;
    this.open.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = this.open.get(key) ?? 0;
    if (count <= 1) this.open.delete(key);
    else this.open.set(key, count - 1);
  }

  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}

/**
 * The key of a client address for limits: IPv4 as it is, IPv6 by its /64 network, since one host
 * commonly holds a whole /64 and could otherwise take a fresh address for every attempt.
 */
export function addressKey(ip: string): string {
  if (isIP(ip) !== 6 || ip.toLowerCase().startsWith('::ffff:')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
