import {
  type ConnectionLimits,
  DEFAULT_CAPACITY,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_DRAIN_DEADLINE_MS,
  DEFAULT_FRAME_CEILING_BYTES,
  DEFAULT_SESSION_TIMEOUTS,
  type ServerOptions,
  type ServerSecurityOptions,
} from '@visemo/server';
import { parseCount, UsageError } from './args.js';

/** The flags of `visemo serve` for its capacity, timeouts, shutdown and TLS (docs/operations.md). */
export const CAPACITY_FLAGS = {
  'max-sessions': { type: 'string' },
  'max-unstarted': { type: 'string' },
  'cluster-max-sessions': { type: 'string' },
  'connections-per-ip': { type: 'string' },
  'connections-per-subject': { type: 'string' },
  'connects-per-minute': { type: 'string' },
  'start-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  'max-session-duration': { type: 'string' },
  heartbeat: { type: 'string' },
  'drain-timeout': { type: 'string' },
  'max-frame-mb': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

const seconds = (ms: number) => ms / 1000;

export const CAPACITY_HELP = `Capacity and timeouts (docs/operations.md):
  --max-sessions N          sessions at once (default ${DEFAULT_CAPACITY.maxSessions})
  --max-unstarted N         connections waiting for their session.start (default ${DEFAULT_CAPACITY.maxUnstarted});
                            when full, the one waiting longest gives way
  --cluster-max-sessions N  sessions at once across the replicas that share REDIS_URL (default: no
                            limit beyond each one's --max-sessions; docs/deployment.md)
  --connections-per-ip N    open sockets per address (default ${DEFAULT_CONNECTION_LIMITS.connectionsPerIp}), and
  --connections-per-subject N  per token subject (default ${DEFAULT_CONNECTION_LIMITS.connectionsPerSubject}), and
  --connects-per-minute N   connection attempts per address (default ${DEFAULT_CONNECTION_LIMITS.connectsPerMinute}): with session tokens
  --start-timeout S         seconds from connecting to session.start (default ${seconds(DEFAULT_SESSION_TIMEOUTS.startMs)})
  --idle-timeout S          seconds without a client frame before a session ends (default ${seconds(DEFAULT_SESSION_TIMEOUTS.idleMs)})
  --max-session-duration S  seconds a session may last (default ${seconds(DEFAULT_SESSION_TIMEOUTS.maxDurationMs)}); 0 turns a timeout off
  --heartbeat S             seconds between the heartbeats sent to clients, which tell a dead socket
                            from a quiet one (default ${seconds(DEFAULT_SESSION_TIMEOUTS.heartbeatMs)}; 0: none)
  --drain-timeout S         on SIGTERM/SIGINT, seconds live turns get to finish (default ${seconds(DEFAULT_DRAIN_DEADLINE_MS)})
  --max-frame-mb N          frames over this many MiB are not read: the connection closes (default ${DEFAULT_FRAME_CEILING_BYTES / 1024 / 1024})
  --tls-cert FILE --tls-key FILE  serve HTTPS and WSS with this PEM certificate (chain) and key`;

type CapacityValues = { [K in keyof typeof CAPACITY_FLAGS]?: string | undefined };

export interface ServeCapacity {
  server: Pick<
    ServerOptions,
    'maxSessions' | 'maxUnstarted' | 'clusterMaxSessions' | 'timeouts' | 'frameCeilingBytes'
  >;
  /** Connection limits given on the command line; they apply where sessions need tokens. */
  connectionLimits: ConnectionLimits;
  drainDeadlineMs: number;
  tls?: { certFile: string; keyFile: string };
}

export function parseCapacity(values: CapacityValues): ServeCapacity {
  const count = (flag: keyof typeof CAPACITY_FLAGS, fallback: number, min = 0) => {
    const n = parseCount(values[flag], `--${flag}`, fallback);
    if (n < min) throw new UsageError(`--${flag} must be at least ${min}, got "${values[flag]}"`);
    return n;
  };
  const ms = (flag: keyof typeof CAPACITY_FLAGS, fallbackMs: number) => count(flag, fallbackMs / 1000) * 1000;
  const connectionLimits: ConnectionLimits = {};
  if (values['connections-per-ip'] !== undefined)
    connectionLimits.connectionsPerIp = count('connections-per-ip', 0, 1);
  if (values['connections-per-subject'] !== undefined)
    connectionLimits.connectionsPerSubject = count('connections-per-subject', 0, 1);
  if (values['connects-per-minute'] !== undefined)
    connectionLimits.connectsPerMinute = count('connects-per-minute', 0, 1);
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  return {
    server: {
      maxSessions: count('max-sessions', DEFAULT_CAPACITY.maxSessions, 1),
      maxUnstarted: count('max-unstarted', DEFAULT_CAPACITY.maxUnstarted, 1),
      ...(values['cluster-max-sessions'] !== undefined
        ? { clusterMaxSessions: count('cluster-max-sessions', 0, 1) }
        : {}),
      timeouts: {
        startMs: ms('start-timeout', DEFAULT_SESSION_TIMEOUTS.startMs),
        idleMs: ms('idle-timeout', DEFAULT_SESSION_TIMEOUTS.idleMs),
        maxDurationMs: ms('max-session-duration', DEFAULT_SESSION_TIMEOUTS.maxDurationMs),
        heartbeatMs: ms('heartbeat', DEFAULT_SESSION_TIMEOUTS.heartbeatMs),
      },
      frameCeilingBytes: count('max-frame-mb', DEFAULT_FRAME_CEILING_BYTES / 1024 / 1024, 1) * 1024 * 1024,
    },
    connectionLimits,
    drainDeadlineMs: ms('drain-timeout', DEFAULT_DRAIN_DEADLINE_MS),
    ...(certFile !== undefined && keyFile !== undefined ? { tls: { certFile, keyFile } } : {}),
  };
}

/** The security options with the command line's connection limits; none where nothing is checked. */
export function withConnectionLimits(
  security: ServerSecurityOptions,
  limits: ConnectionLimits,
): ServerSecurityOptions {
  if (!security.auth || Object.keys(limits).length === 0) return security;
  return { ...security, auth: { ...security.auth, limits: { ...security.auth.limits, ...limits } } };
}
