import { ErrorCode, VisemoError } from '@visemo/core';

export interface CapacityLimits {
  /** Sessions (connections that sent `session.start`) held at once. Default 200. */
  maxSessions?: number;
  /**
   * Connections that have not sent `session.start` yet, held at once. Default 100. When they are
   * all taken, the one waiting longest is closed to admit the newcomer.
   */
  maxUnstarted?: number;
  /**
   * Sessions held at once by all replicas together (with `othersSessions`, the session census of
   * the replicas that share Redis). Default: no limit beyond each replica's `maxSessions`.
   */
  clusterMaxSessions?: number;
}

export const DEFAULT_CAPACITY: { maxSessions: number; maxUnstarted: number } = {
  maxSessions: 200,
  maxUnstarted: 100,
};

/** One connection's place: waiting for its `session.start`, then a session. */
export interface AdmittedConnection {
  /** Its `session.start` arrived: a session's place, or the `session_limit` refusal. */
  start(): VisemoError | undefined;
  /** The connection closed. */
  release(): void;
}

/**
 * Counts connections in two pools. Sessions are capped by `maxSessions`; connections that have not
 * started are capped separately and the oldest of them gives way to a new one, so sockets opened
 * and left silent — a few hundred are cheap to hold open — can take neither the sessions' places
 * nor those of people who connect now: a real client sends `session.start` within milliseconds of
 * its handshake, long before it would be the oldest. The start timeout (session-timeouts.ts) closes
 * the rest.
 */
export class ConnectionAdmission {
  private readonly limits: CapacityLimits & typeof DEFAULT_CAPACITY;
  /** In arrival order: the first is the one waiting longest. */
  private readonly waiting = new Set<{ evict(): void }>();
  private started = 0;

  /** `othersSessions`: sessions held by the other replicas, as last counted. */
  constructor(
    limits: CapacityLimits = {},
    private readonly othersSessions: () => number = () => 0,
  ) {
    this.limits = {
      ...DEFAULT_CAPACITY,
      ...(limits.maxSessions !== undefined ? { maxSessions: limits.maxSessions } : {}),
      ...(limits.maxUnstarted !== undefined ? { maxUnstarted: limits.maxUnstarted } : {}),
      ...(limits.clusterMaxSessions !== undefined ? { clusterMaxSessions: limits.clusterMaxSessions } : {}),
    };
    if (this.limits.maxUnstarted < 1) throw new RangeError('maxUnstarted must be at least 1');
  }

  /** Sessions held now. */
  get sessions(): number {
    return this.started;
  }

  /** Connections waiting for their `session.start` now. */
  get unstarted(): number {
    return this.waiting.size;
  }

  /**
   * A new connection; when the waiting pool is full, the connection waiting longest is evicted
   * first (its `evict`, which closes it, is called with its place already given up).
   */
  connect(evict: () => void): AdmittedConnection {
    if (this.waiting.size >= this.limits.maxUnstarted) {
      const oldest = this.waiting.values().next().value;
      if (oldest) {
        this.waiting.delete(oldest);
        oldest.evict();
      }
    }
    const place = { evict };
    this.waiting.add(place);
    let state: 'waiting' | 'session' | 'released' = 'waiting';
    return {
      start: () => {
        if (state === 'session') return undefined;
        if (state === 'released')
          return new VisemoError(ErrorCode.SessionClosed, 'the connection was closed');
        if (this.started >= this.limits.maxSessions) {
          return new VisemoError(
            ErrorCode.SessionLimit,
            `the server holds its maximum of ${this.limits.maxSessions} sessions`,
          );
        }
        const clusterMax = this.limits.clusterMaxSessions;
        if (clusterMax !== undefined && this.started + this.othersSessions() >= clusterMax) {
          return new VisemoError(
            ErrorCode.SessionLimit,
            `the service holds its maximum of ${clusterMax} sessions across its replicas`,
          );
        }
        this.waiting.delete(place);
        this.started++;
        state = 'session';
        return undefined;
      },
      release: () => {
        if (state === 'session') this.started--;
        else this.waiting.delete(place);
        state = 'released';
      },
    };
  }
}

/** The error an evicted connection gets before it closes. */
export function evictedError(): VisemoError {
  return new VisemoError(
    ErrorCode.ConnectionLimit,
    'too many connections are waiting to start a session; send session.start right after connecting',
  );
}
