import { InputError } from '../args.js';
import { type FleetPolicy, HOURS_PER_MONTH } from './monthly-cost.js';
import type { PriceTable } from './price-table.js';
import type { UsageProfile } from './usage-profile.js';

/** What a replica's sessions run out of first. */
export type ReplicaLimit = 'cpu' | 'memory' | 'max-sessions';

export interface PeakCapacity {
  peakConcurrent: number;
  /** CPU time over session time: the cores one live session keeps busy. */
  coresPerSession: number;
  /** Cores the peak's sessions keep busy, and the vCPUs that leaves at the target utilisation. */
  busyCores: number;
  vcpusNeeded: number;
  memoryNeededGiB: number;
  sessionsPerReplica: number;
  limitedBy: ReplicaLimit;
  replicas: number;
  vcpus: number;
  memoryGiB: number;
  /** The peak's fleet kept running all month: what fixed machines would cost instead. */
  fleetMonthly: number;
}

/** Sessions one replica holds at the target utilisation, and what limits it. */
export function replicaSessions(
  profile: UsageProfile,
  fleet: FleetPolicy,
): { sessions: number; limitedBy: ReplicaLimit } {
  const u = fleet.targetUtilisation;
  const cores = profile.cpuSecondsPerTurn / profile.sessionSecondsPerTurn;
  const byCpu = cores > 0 ? Math.floor((fleet.replica.vcpus * u) / cores) : Number.POSITIVE_INFINITY;
  const free = fleet.replica.memoryGiB * u - profile.idleRssGiB;
  const byMemory =
    profile.rssGiBPerSession > 0 ? Math.floor(free / profile.rssGiBPerSession) : Number.POSITIVE_INFINITY;
  const limits: [ReplicaLimit, number][] = [
    ['cpu', byCpu],
    ['memory', byMemory],
    ['max-sessions', fleet.maxSessionsPerReplica],
  ];
  const [limitedBy, sessions] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  if (sessions < 1)
    throw new InputError(
      `a replica of ${fleet.replica.vcpus} vCPU and ${fleet.replica.memoryGiB} GiB at ${fleet.targetUtilisation * 100} % cannot hold one session (${limitedBy}): give a larger --replica`,
    );
  return { sessions, limitedBy };
}

/** The fleet for `peakConcurrent` sessions at once: replicas of the policy's size, never fewer than its minimum. */
export function peakCapacity(
  profile: UsageProfile,
  peakConcurrent: number,
  fleet: FleetPolicy,
  prices: PriceTable,
): PeakCapacity {
  const u = fleet.targetUtilisation;
  const coresPerSession = profile.cpuSecondsPerTurn / profile.sessionSecondsPerTurn;
  const { sessions, limitedBy } = replicaSessions(profile, fleet);
  const replicas = Math.max(fleet.minReplicas, Math.ceil(peakConcurrent / sessions));
  const vcpus = replicas * fleet.replica.vcpus;
  const memoryGiB = replicas * fleet.replica.memoryGiB;
  return {
    peakConcurrent,
    coresPerSession,
    busyCores: peakConcurrent * coresPerSession,
    vcpusNeeded: (peakConcurrent * coresPerSession) / u,
    memoryNeededGiB: (peakConcurrent * profile.rssGiBPerSession) / u + replicas * profile.idleRssGiB,
    sessionsPerReplica: sessions,
    limitedBy,
    replicas,
    vcpus,
    memoryGiB,
    fleetMonthly:
      (vcpus * prices.compute.vcpuHour + memoryGiB * prices.compute.memoryGiBHour) * HOURS_PER_MONTH,
  };
}

/** The headroom, said in words: what the target utilisation leaves, and why a replica holds what it holds. */
export function explainHeadroom(capacity: PeakCapacity, fleet: FleetPolicy): string[] {
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const u = fleet.targetUtilisation;
  const { replica } = fleet;
  const limits: Record<ReplicaLimit, string> = {
    cpu: `its CPU: ${replica.vcpus} vCPU × ${pct(u)} = ${(replica.vcpus * u).toFixed(2)} cores for sessions of ${capacity.coresPerSession.toFixed(3)} cores each`,
    memory: `its memory: ${replica.memoryGiB} GiB × ${pct(u)}, less the idle server`,
    'max-sessions': `visemo serve --max-sessions ${fleet.maxSessionsPerReplica}`,
  };
  return [
    `Target utilisation ${pct(u)}: ${pct(1 - u)} of each replica stays free for bursts of turns (every caller speaking at once), a replica that restarts, and a host slower than the one measured.`,
    `A replica holds ${capacity.sessionsPerReplica} sessions, limited by ${limits[capacity.limitedBy]}.`,
    `${capacity.peakConcurrent} sessions at once keep ${capacity.busyCores.toFixed(2)} cores busy: ${capacity.vcpusNeeded.toFixed(2)} vCPUs at ${pct(u)}, provisioned as ${capacity.replicas} replica(s) of ${replica.vcpus} vCPU = ${capacity.vcpus} vCPUs and ${capacity.memoryGiB} GiB (${capacity.memoryNeededGiB.toFixed(2)} GiB needed).`,
  ];
}
