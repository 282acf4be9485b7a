import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { DEFAULT_RETENTION, retentionMs } from '@visemo/core';
import { InputError, parseCommandArgs, parseCount, requireString, UsageError } from '../args.js';
import { type BilledProvider, billedProviders } from '../cost/billed-providers.js';
import { type CostPicture, renderCostSvg } from '../cost/cost-svg.js';
import { readMeasuredUsage, USAGE_PRODUCERS } from '../cost/measured-usage.js';
import { type FleetPolicy, type MonthlyCost, monthlyCost, type Traffic } from '../cost/monthly-cost.js';
import { explainHeadroom, peakCapacity, replicaSessions } from '../cost/peak-capacity.js';
import { type PriceTable, readPriceTable } from '../cost/price-table.js';
import {
  type BilledUsage,
  billedUsageFromMetrics,
  type LlmTurnTokens,
  pickSetup,
  type UsageProfile,
  usageProfile,
} from '../cost/usage-profile.js';
import { type StorageConfig, storageLocation } from '../storage-config.js';

const HELP = `visemo cost --prices FILE [--usage FILE] [--agent DIR] [traffic] [fleet] [--json] [--svg OUT.svg]

Turns measured usage into the steady-state cost of a month, line by line (compute, memory,
storage, egress, each paid provider), and the fleet a peak of sessions at once needs (docs/cost.md).
  --prices FILE            what each unit costs (start from deploy/prices.example.yaml)
  --usage FILE             CPU, memory and traffic per turn as the session benchmark measured them
                           (default bench-usage.json, else docs/bench-usage.json; written by
                           \`${USAGE_PRODUCERS.sessions}\` and \`${USAGE_PRODUCERS.storage}\`)
  --setup NAME             the benchmark setup to use (default: the fewest sessions at once)
  --agent DIR              the agent: its paid providers (agent.yaml providers:) and retention
  --from-storage           also read the stored sessions (DATABASE_URL, else --data-dir): turns per
                           session, session length, bytes kept per turn, how often the model answers
  --data-dir DIR           the embedded database (default ./data; stop its server first)
  --metrics FILE|URL       a server's /metrics: the units its providers billed per turn
  --llm-tokens IN,OUT      input and output tokens of a turn the language model answers
  --llm-share F            the fraction of turns it answers (default: stored, else 1)
Traffic:
  --sessions-per-day N     (default 1000)
  --turns-per-session N    (default: stored, else 6)
  --peak-concurrent N      sessions at once at the busiest time (default 20)
  --retention-days N       how long stored turns are kept (default: the agent's transcripts retention)
Fleet:
  --utilisation F          the share of a replica's CPU and memory sessions may use (default 0.6)
  --replica VCPU,GIB       a replica's size (default 2,4)
  --min-replicas N         replicas kept however quiet it is (default 1)
  --max-sessions N         visemo serve --max-sessions of each replica (default 200)
  --json                   the forecast as JSON
  --svg FILE               draw it: cost by line at ¼× to 4× the traffic, capacity against sessions`;

export async function costCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      prices: { type: 'string' },
      usage: { type: 'string' },
      setup: { type: 'string' },
      agent: { type: 'string' },
      'from-storage': { type: 'boolean' },
      'data-dir': { type: 'string' },
      metrics: { type: 'string' },
      'llm-tokens': { type: 'string' },
      'llm-share': { type: 'string' },
      'sessions-per-day': { type: 'string' },
      'turns-per-session': { type: 'string' },
      'peak-concurrent': { type: 'string' },
      'retention-days': { type: 'string' },
      utilisation: { type: 'string' },
      replica: { type: 'string' },
      'min-replicas': { type: 'string' },
      'max-sessions': { type: 'string' },
      json: { type: 'boolean' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const progress = (line: string) => process.stderr.write(`… ${line}\n`);
  const prices = await readPriceTable(requireString(values.prices, '--prices'));
  const usageFile =
    values.usage ?? (existsSync('bench-usage.json') ? 'bench-usage.json' : 'docs/bench-usage.json');
  progress(`reading usage from ${usageFile}`);
  const measured = await readMeasuredUsage(usageFile);
  const setup = pickSetup(measured, values.setup);

  let providers: BilledProvider[] = [];
  let retentionDays = retentionDaysOf(DEFAULT_RETENTION.transcripts);
  let agentId: string | undefined;
  if (values.agent) {
    progress(`reading the agent in ${values.agent}`);
    const { loadAgent } = await import('@visemo/dialogue');
    const { basename, resolve } = await import('node:path');
    const { spec } = await loadAgent(values.agent);
    providers = billedProviders(spec);
    retentionDays = retentionDaysOf(spec.privacy.retention.transcripts);
    // As the server stores it: by the agent folder's name.
    agentId = basename(resolve(values.agent));
  }

  const stored =
    values['from-storage'] || values['data-dir']
      ? await readStoredUsage(values['data-dir'], agentId, progress)
      : undefined;
  const billed = values.metrics ? await readBilledUsage(values.metrics, progress) : undefined;
  const llm = llmTokens(values['llm-tokens'], values['llm-share'], stored, providers, billed);
  const profile = usageProfile({
    measured,
    setup,
    ...(stored ? { stored } : {}),
    ...(billed ? { billed } : {}),
    ...(llm ? { llm } : {}),
  });

  const storedTurns = stored && stored.sessions > 0 ? Math.round(stored.turns / stored.sessions) : undefined;
  const traffic: Traffic = {
    sessionsPerDay: positive(values['sessions-per-day'], '--sessions-per-day', 1000),
    turnsPerSession: positive(values['turns-per-session'], '--turns-per-session', storedTurns || 6),
    retentionDays: positive(values['retention-days'], '--retention-days', retentionDays ?? Number.NaN),
  };
  if (!Number.isFinite(traffic.retentionDays))
    throw new UsageError(
      'the agent keeps transcripts forever: give --retention-days for the horizon to price',
    );
  const peak = positive(values['peak-concurrent'], '--peak-concurrent', 20);
  const fleet = fleetPolicy(values);

  const cost = monthlyCost(profile, traffic, fleet, prices, providers);
  const capacity = peakCapacity(profile, peak, fleet, prices);
  const headroom = explainHeadroom(capacity, fleet);
  if (values.json) {
    const report = { usage: profile, traffic, fleet, cost, capacity, headroom, prices: prices.source };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${formatReport(profile, traffic, cost, capacity.fleetMonthly, headroom, prices)}\n`,
    );
  }
  if (values.svg) {
    await writeFile(values.svg, renderCostSvg(costPicture(profile, traffic, fleet, prices, providers, peak)));
    process.stderr.write(`picture written to ${values.svg}\n`);
  }
  return 0;
}

function retentionDaysOf(duration: string): number | undefined {
  const ms = retentionMs(duration);
  return Number.isFinite(ms) ? ms / 86_400_000 : undefined;
}

async function readStoredUsage(
  dataDir: string | undefined,
  agent: string | undefined,
  progress: (l: string) => void,
) {
  const config: StorageConfig = dataDir ? { dataDir } : {};
  // Opening an embedded database that is not there would make an empty one.
  if (!process.env.DATABASE_URL?.trim() && !existsSync(dataDir ?? './data'))
    throw new InputError(`no embedded database in ${dataDir ?? './data'}: give the --data-dir a server used`);
  progress(`reading the stored sessions in ${storageLocation(config)}`);
  const { openConfiguredStorage } = await import('../storage-config.js');
  const { storedUsage } = await import('@visemo/storage');
  const storage = await openConfiguredStorage(config);
  try {
    const usage = await storedUsage(storage.database, agent);
    if (usage.turns === 0)
      throw new InputError(
        `no stored turns${agent ? ` of the agent ${agent}` : ''} in ${storageLocation(config)}: serve the agent with storage on, or leave out --from-storage`,
      );
    return usage;
  } finally {
    await storage.close();
  }
}

async function readBilledUsage(source: string, progress: (l: string) => void): Promise<BilledUsage> {
  progress(`reading provider usage from ${source}`);
  let text: string;
  try {
    if (/^https?:\/\//.test(source)) {
      const answer = await fetch(source);
      if (!answer.ok) throw new Error(`${answer.status} ${answer.statusText}`);
      text = await answer.text();
    } else text = await readFile(source, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the metrics ${source}: ${(error as Error).message}`);
  }
  return billedUsageFromMetrics(text, source);
}

/**
 * A paid model's tokens per turn: as given, else as billed (/metrics has them), else an error
 * that says what to give: the benchmark's agent answers without a model.
 */
function llmTokens(
  tokens: string | undefined,
  share: string | undefined,
  stored: { turns: number; answeredBy: Record<string, number> } | undefined,
  providers: BilledProvider[],
  billed: BilledUsage | undefined,
): LlmTurnTokens | undefined {
  const model = providers.find((p) => p.kind === 'llm');
  if (tokens === undefined) {
    if (model && !(billed && billed.llmInputTokens + billed.llmOutputTokens > 0))
      throw new UsageError(
        `the agent's model ${model.model ?? model.type} bills tokens that no usage measured: give --llm-tokens IN,OUT (or --metrics of a server that ran it)`,
      );
    return undefined;
  }
  const [input, output] = tokens.split(',').map(Number);
  if (
    input === undefined ||
    output === undefined ||
    !(input >= 0) ||
    !(output >= 0) ||
    tokens.split(',').length !== 2
  )
    throw new UsageError(`--llm-tokens takes IN,OUT (two numbers), got "${tokens}"`);
  const storedShare = stored && stored.turns > 0 ? (stored.answeredBy.llm ?? 0) / stored.turns : undefined;
  const fraction = share === undefined ? (storedShare ?? 1) : Number(share);
  if (!(fraction >= 0 && fraction <= 1)) throw new UsageError(`--llm-share must be 0–1, got "${share}"`);
  return { input, output, share: fraction };
}

function positive(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number above 0, got "${value}"`);
  return n;
}

function fleetPolicy(values: {
  utilisation?: string | undefined;
  replica?: string | undefined;
  'min-replicas'?: string | undefined;
  'max-sessions'?: string | undefined;
}): FleetPolicy {
  const targetUtilisation = positive(values.utilisation, '--utilisation', 0.6);
  if (targetUtilisation > 1)
    throw new UsageError(`--utilisation is a fraction 0–1, got "${values.utilisation}"`);
  const [vcpus, memoryGiB] = (values.replica ?? '2,4').split(',').map(Number);
  if (!(vcpus !== undefined && vcpus > 0 && memoryGiB !== undefined && memoryGiB > 0))
    throw new UsageError(`--replica takes VCPU,GIB (e.g. 2,4), got "${values.replica}"`);
  return {
    targetUtilisation,
    replica: { vcpus, memoryGiB },
    minReplicas: parseCount(values['min-replicas'], '--min-replicas', 1),
    maxSessionsPerReplica: Math.max(1, parseCount(values['max-sessions'], '--max-sessions', 200)),
  };
}

const TRAFFIC_MULTIPLES = [0.25, 0.5, 1, 2, 4];

/** The picture's data: the forecast at several traffic levels and the capacity curve up past the peak. */
export function costPicture(
  profile: UsageProfile,
  traffic: Traffic,
  fleet: FleetPolicy,
  prices: PriceTable,
  providers: BilledProvider[],
  peak: number,
): CostPicture {
  const costs = TRAFFIC_MULTIPLES.map((m) => ({
    m,
    cost: monthlyCost(
      profile,
      { ...traffic, sessionsPerDay: traffic.sessionsPerDay * m },
      fleet,
      prices,
      providers,
    ),
  }));
  const lines = costs[0]?.cost.lines.map((l) => l.line) ?? [];
  const perReplica = replicaSessions(profile, fleet).sessions;
  const maxConcurrent = Math.max(Math.ceil(peak * 1.5), perReplica * 2);
  const step = Math.max(1, Math.ceil(maxConcurrent / 200));
  const curve = [];
  for (let c = 0; c <= maxConcurrent; c += step) {
    const at = peakCapacity(profile, c, fleet, prices);
    curve.push({
      concurrent: c,
      busyCores: at.busyCores,
      vcpusNeeded: at.vcpusNeeded,
      vcpusProvisioned: at.vcpus,
    });
  }
  const atPeak = peakCapacity(profile, peak, fleet, prices);
  return {
    title: `Cost forecast: ${count(traffic.sessionsPerDay)} sessions a day of ${traffic.turnsPerSession} turns, peak ${peak} at once`,
    caption: `${prices.source}; fleet at ${Math.round(fleet.targetUtilisation * 100)} % utilisation, replicas of ${fleet.replica.vcpus} vCPU / ${fleet.replica.memoryGiB} GiB`,
    currency: prices.currency,
    lines,
    bars: costs.map(({ m, cost }) => ({
      label: `${count(traffic.sessionsPerDay * m)}`,
      asked: m === 1,
      amounts: cost.lines.map((l) => l.variable + l.fixed),
    })),
    curve,
    peak: { concurrent: peak, replicas: atPeak.replicas, vcpus: atPeak.vcpus },
  };
}

const count = (n: number) => Math.round(n).toLocaleString('en');

function amount(n: number): string {
  if (n === 0) return '0';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en');
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

function formatReport(
  profile: UsageProfile,
  traffic: Traffic,
  cost: MonthlyCost,
  fleetMonthly: number,
  headroom: string[],
  prices: PriceTable,
): string {
  const u = profile.units;
  const usage = [
    'Usage per turn',
    `  CPU ${profile.cpuSecondsPerTurn.toFixed(3)} s over ${profile.sessionSecondsPerTurn.toFixed(1)} s of session, ` +
      `memory ${(profile.rssGiBPerSession * 1024).toFixed(1)} MiB per session (${(profile.idleRssGiB * 1024).toFixed(0)} MiB idle server), ` +
      `sent ${(profile.bytesSentPerTurn / 1000).toFixed(1)} kB (${profile.replyAudioSecondsPerTurn.toFixed(1)} s of answer audio), stored ${(profile.storageBytesPerTurn / 1000).toFixed(2)} kB`,
    `  TTS ${u.ttsCharacters.toFixed(0)} characters, ASR ${u.asrSeconds.toFixed(1)} s of speech` +
      (u.llmInputTokens + u.llmOutputTokens > 0
        ? `, LLM ${u.llmInputTokens.toFixed(0)} in / ${u.llmOutputTokens.toFixed(0)} out tokens`
        : ''),
    ...(profile.cpuSecondsByHop
      ? [
          `  CPU by hop, one session alone: ${Object.entries(profile.cpuSecondsByHop)
            .map(([hop, s]) => `${hop} ${s.toFixed(4)} s`)
            .join(', ')}`,
        ]
      : []),
    ...profile.sources.map((s) => `  from ${s}`),
  ];
  const rows = [
    ['line', 'quantity', 'unit', 'unit price', 'variable', 'fixed', 'month'],
    ...cost.lines.map((l) => [
      l.line,
      amount(l.quantity),
      l.unit,
      l.unitPrice === 0 ? '0' : Number(l.unitPrice.toPrecision(3)).toString(),
      amount(l.variable),
      amount(l.fixed),
      amount(l.variable + l.fixed),
    ]),
  ];
  rows.push(['total', '', '', '', '', '', amount(cost.total)]);
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 || c === 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const table = rows.map(line);
  table.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  table.splice(table.length - 1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [
    ...usage,
    '',
    `Cost per month in ${cost.currency}: ${count(traffic.sessionsPerDay)} sessions a day × ${traffic.turnsPerSession} turns ` +
      `(${count(cost.sessions)} sessions, ${count(cost.turns)} turns; turns kept ${traffic.retentionDays} days)`,
    ...table,
    `  ${amount(cost.perSession)} ${cost.currency} per session`,
    '',
    'Capacity for the peak',
    ...headroom.map((h) => `  ${h}`),
    `  That fleet kept running all month: ${amount(fleetMonthly)} ${cost.currency} of compute and memory.`,
    '',
    `Prices: ${prices.source}`,
  ].join('\n');
}
