import { InputError } from '../args.js';
import type { BilledProvider } from './billed-providers.js';
import type { PriceTable } from './price-table.js';
import type { UsageProfile } from './usage-profile.js';

/** The hours cloud price lists count in a month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

export interface Traffic {
  sessionsPerDay: number;
  turnsPerSession: number;
  /** How long a stored turn is kept (the agent's transcript retention). */
  retentionDays: number;
}

/** How the fleet is run: the share of its CPU and memory sessions may use, and its smallest size. */
export interface FleetPolicy {
  /** 0–1: the rest is headroom for bursts of turns and for a replica that restarts. */
  targetUtilisation: number;
  replica: { vcpus: number; memoryGiB: number };
  /** Replicas kept running however little the traffic: their idle memory is a fixed cost. */
  minReplicas: number;
  /** `visemo serve --max-sessions`: a replica takes no more sessions than this. */
  maxSessionsPerReplica: number;
}

export interface CostLine {
  /** e.g. `compute`, `tts: elevenlabs`. */
  line: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  /** Grows with the sessions: twice the sessions, twice this. */
  variable: number;
  /** Paid whatever the traffic (the idle memory of the replicas always kept). */
  fixed: number;
}

export interface MonthlyCost {
  currency: string;
  sessions: number;
  turns: number;
  lines: CostLine[];
  total: number;
  perSession: number;
}

/**
 * Steady-state cost of a month: a fleet that grows and shrinks with the load (billed per vCPU-hour
 * and GiB-hour at the target utilisation), the bytes sent and kept, and the units each paid
 * provider bills. Every line but the idle memory of the kept replicas is proportional to sessions.
 */
export function monthlyCost(
  profile: UsageProfile,
  traffic: Traffic,
  fleet: FleetPolicy,
  prices: PriceTable,
  providers: readonly BilledProvider[],
): MonthlyCost {
  const sessions = traffic.sessionsPerDay * DAYS_PER_MONTH;
  const turns = sessions * traffic.turnsPerSession;
  const u = fleet.targetUtilisation;
  const vcpuHours = (turns * profile.cpuSecondsPerTurn) / 3600 / u;
  const sessionHours = (turns * profile.sessionSecondsPerTurn) / 3600;
  const memoryHours = (sessionHours * profile.rssGiBPerSession) / u;
  const idleMemoryHours = fleet.minReplicas * profile.idleRssGiB * HOURS_PER_MONTH;
  const egressGB = (turns * profile.bytesSentPerTurn) / 1e9;
  const storedGB =
    (traffic.sessionsPerDay * traffic.turnsPerSession * traffic.retentionDays * profile.storageBytesPerTurn) /
    1e9;
  const lines = [
    costLine('compute', vcpuHours, 'vCPU-h', prices.compute.vcpuHour),
    costLine('memory', memoryHours, 'GiB-h', prices.compute.memoryGiBHour, idleMemoryHours),
    costLine('storage', storedGB, 'GB-month', prices.storage.perGBMonth),
    costLine('egress', egressGB, 'GB', prices.network.egressPerGB),
    ...providers.map((p) => providerLine(p, turns, profile, prices)),
  ];
  const total = lines.reduce((n, l) => n + l.variable + l.fixed, 0);
  return {
    currency: prices.currency,
    sessions,
    turns,
    lines,
    total,
    perSession: sessions > 0 ? total / sessions : 0,
  };
}

/** A line of `quantity` units at `unitPrice`, and `fixedQuantity` more paid whatever the traffic. */
function costLine(
  name: string,
  quantity: number,
  unit: string,
  unitPrice: number,
  fixedQuantity = 0,
): CostLine {
  return {
    line: name,
    quantity: quantity + fixedQuantity,
    unit,
    unitPrice,
    variable: quantity * unitPrice,
    fixed: fixedQuantity * unitPrice,
  };
}

function providerLine(p: BilledProvider, turns: number, profile: UsageProfile, prices: PriceTable): CostLine {
  const vendor = prices.vendors[p.type];
  const missing = (field: string) =>
    new InputError(
      `the price file has no price for the agent's ${p.kind} provider ${p.type}${p.model ? ` (${p.model})` : ''}: add vendors.${p.type}.${field}`,
    );
  const name = `${p.kind}: ${p.type}${p.model ? ` ${p.model}` : ''}`;
  const { units } = profile;
  if (p.kind === 'llm') {
    const price = p.model ? vendor?.llm?.[p.model] : undefined;
    if (!price) throw missing(`llm.${p.model ?? '<model>'}`);
    const input = (turns * units.llmInputTokens) / 1e6;
    const output = (turns * units.llmOutputTokens) / 1e6;
    const cost = input * price.inputPer1MTokens + output * price.outputPer1MTokens;
    // One line with two prices: shown per million tokens, in and out together.
    const tokens = input + output;
    return {
      line: name,
      quantity: tokens,
      unit: 'M tokens',
      unitPrice: tokens > 0 ? cost / tokens : 0,
      variable: cost,
      fixed: 0,
    };
  }
  if (p.kind === 'tts') {
    if (!vendor?.tts) throw missing('tts.per1MCharacters');
    return costLine(name, (turns * units.ttsCharacters) / 1e6, 'M chars', vendor.tts.per1MCharacters);
  }
  if (!vendor?.asr) throw missing('asr.perMinute');
  return costLine(name, (turns * units.asrSeconds) / 60, 'min', vendor.asr.perMinute);
}
