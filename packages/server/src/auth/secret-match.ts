import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented key with the configured ones in time that does not depend on where they
 * differ: both sides are hashed first, so lengths leak nothing either.
 */
export class SecretSet {
  private readonly digests: Buffer[];

  constructor(secrets: readonly string[]) {
    this.digests = secrets.filter((s) => s.length > 0).map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** The index of the matching secret, or -1. Every secret is compared, match or not. */
  indexOf(candidate: string | undefined): number {
    if (candidate === undefined) return -1;
    const presented = digest(candidate);
    let found = -1;
    this.digests.forEach((d, i) => {
      if (timingSafeEqual(d, presented) && found === -1) found = i;
    });
    return found;
  }
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
