import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerMetrics } from '../../../packages/server/src/http/metrics.js';
import { billedProviders } from '../src/cost/billed-providers.js';
import { axis } from '../src/cost/cost-svg.js';
import { MeasuredUsageSchema, readMeasuredUsage } from '../src/cost/measured-usage.js';
import { type FleetPolicy, HOURS_PER_MONTH, monthlyCost, type Traffic } from '../src/cost/monthly-cost.js';
import { peakCapacity, replicaSessions } from '../src/cost/peak-capacity.js';
import { PriceFileError, parsePriceTable } from '../src/cost/price-table.js';
import {
  billedUsageFromMetrics,
  pickSetup,
  type UsageProfile,
  usageProfile,
} from '../src/cost/usage-profile.js';
import { repoRoot } from './support/run-visemo.js';

const examplePrices = readFileSync(join(repoRoot, 'deploy/prices.example.yaml'), 'utf8');
const prices = parsePriceTable(examplePrices, 'prices.example.yaml');

const profile: UsageProfile = {
  cpuSecondsPerTurn: 0.4,
  sessionSecondsPerTurn: 8,
  rssGiBPerSession: 0.02,
  idleRssGiB: 1.25,
  bytesSentPerTurn: 300_000,
  replyAudioSecondsPerTurn: 9,
  storageBytesPerTurn: 1300,
  units: { llmInputTokens: 900, llmOutputTokens: 60, ttsCharacters: 150, asrSeconds: 1.5 },
  sources: [],
};
const traffic: Traffic = { sessionsPerDay: 1000, turnsPerSession: 6, retentionDays: 30 };
const fleet: FleetPolicy = {
  targetUtilisation: 0.6,
  replica: { vcpus: 2, memoryGiB: 4 },
  minReplicas: 1,
  maxSessionsPerReplica: 200,
};
const paid = billedProviders({
  providers: {
    llm: [{ type: 'openai-compatible', model: 'gpt-4o-mini' }, { type: 'embedded' }],
    tts: [{ type: 'elevenlabs' }, { type: 'flite' }],
    asr: [{ type: 'deepgram' }],
  },
});

describe('monthly cost', () => {
  it('doubles every variable line with twice the sessions and keeps the fixed part', () => {
    const once = monthlyCost(profile, traffic, fleet, prices, paid);
    const twice = monthlyCost(profile, { ...traffic, sessionsPerDay: 2000 }, fleet, prices, paid);
    expect(once.lines.map((l) => l.line)).toEqual([
      'compute',
      'memory',
      'storage',
      'egress',
      'llm: openai-compatible gpt-4o-mini',
      'tts: elevenlabs',
      'asr: deepgram',
    ]);
    for (const [i, line] of once.lines.entries()) {
      expect(line.variable).toBeGreaterThan(0);
      expect(twice.lines[i]?.variable).toBeCloseTo(2 * line.variable, 9);
      expect(twice.lines[i]?.fixed).toBe(line.fixed);
    }
    // The idle memory of the one replica always kept is the only fixed cost.
    expect(once.lines.find((l) => l.line === 'memory')?.fixed).toBeCloseTo(
      profile.idleRssGiB * HOURS_PER_MONTH * prices.compute.memoryGiBHour,
      9,
    );
    expect(once.lines.filter((l) => l.line !== 'memory').every((l) => l.fixed === 0)).toBe(true);
  });

  it('prices each line from the usage, the traffic and the price file', () => {
    const cost = monthlyCost(profile, traffic, fleet, prices, paid);
    const turns = (traffic.sessionsPerDay * HOURS_PER_MONTH * traffic.turnsPerSession) / 24;
    const line = (name: string) => cost.lines.find((l) => l.line === name);
    expect(cost.turns).toBeCloseTo(turns, 6);
    expect(line('compute')?.variable).toBeCloseTo(
      ((turns * profile.cpuSecondsPerTurn) / 3600 / fleet.targetUtilisation) * prices.compute.vcpuHour,
      9,
    );
    expect(line('egress')?.variable).toBeCloseTo(
      ((turns * profile.bytesSentPerTurn) / 1e9) * prices.network.egressPerGB,
      9,
    );
    // Kept for the retention: a day's turns times the days they stay.
    const storedGB =
      (traffic.sessionsPerDay *
        traffic.turnsPerSession *
        traffic.retentionDays *
        profile.storageBytesPerTurn) /
      1e9;
    expect(line('storage')?.variable).toBeCloseTo(storedGB * prices.storage.perGBMonth, 12);
    const model = prices.vendors['openai-compatible']?.llm?.['gpt-4o-mini'];
    expect(line('llm: openai-compatible gpt-4o-mini')?.variable).toBeCloseTo(
      (turns / 1e6) *
        (profile.units.llmInputTokens * (model?.inputPer1MTokens ?? Number.NaN) +
          profile.units.llmOutputTokens * (model?.outputPer1MTokens ?? Number.NaN)),
      9,
    );
    expect(line('asr: deepgram')?.variable).toBeCloseTo(
      ((turns * profile.units.asrSeconds) / 60) * (prices.vendors.deepgram?.asr?.perMinute ?? Number.NaN),
      9,
    );
    expect(cost.total).toBeCloseTo(
      cost.lines.reduce((n, l) => n + l.variable + l.fixed, 0),
      9,
    );
  });

  it('names the price the file lacks for a configured provider', () => {
    const unpriced = billedProviders({
      providers: { llm: [{ type: 'openai-compatible', model: 'llama3.2' }] },
    });
    expect(() => monthlyCost(profile, traffic, fleet, prices, unpriced)).toThrow(
      /no price for the agent's llm provider openai-compatible \(llama3\.2\): add vendors\.openai-compatible\.llm\.llama3\.2/,
    );
  });

  it('bills only the first paid hop of each chain, never the embedded ones', () => {
    expect(paid).toEqual([
      { kind: 'llm', type: 'openai-compatible', model: 'gpt-4o-mini' },
      { kind: 'tts', type: 'elevenlabs' },
      { kind: 'asr', type: 'deepgram' },
    ]);
    expect(billedProviders({ providers: { tts: [{ type: 'flite' }] } })).toEqual([]);
    expect(billedProviders({})).toEqual([]);
  });
});

describe('capacity for a peak', () => {
  it('holds as many sessions per replica as its CPU allows at the target utilisation', () => {
    const cores = profile.cpuSecondsPerTurn / profile.sessionSecondsPerTurn;
    const perReplica = Math.floor((fleet.replica.vcpus * fleet.targetUtilisation) / cores);
    const peak = 3 * perReplica + 1;
    const capacity = peakCapacity(profile, peak, fleet, prices);
    expect(capacity.limitedBy).toBe('cpu');
    expect(capacity.sessionsPerReplica).toBe(perReplica);
    expect(capacity.replicas).toBe(4);
    expect(capacity.vcpus).toBe(4 * fleet.replica.vcpus);
    expect(capacity.busyCores).toBeCloseTo(peak * cores, 9);
    expect(capacity.vcpusNeeded).toBeCloseTo((peak * cores) / fleet.targetUtilisation, 9);
    expect(capacity.vcpusNeeded).toBeLessThanOrEqual(capacity.vcpus);
    expect(capacity.fleetMonthly).toBeCloseTo(
      4 * (2 * prices.compute.vcpuHour + 4 * prices.compute.memoryGiBHour) * HOURS_PER_MONTH,
      9,
    );
  });

  it('says when memory or --max-sessions limits a replica first, and keeps the minimum fleet', () => {
    const heavy = { ...profile, rssGiBPerSession: 0.25 };
    const free = fleet.replica.memoryGiB * fleet.targetUtilisation - heavy.idleRssGiB;
    expect(replicaSessions(heavy, fleet)).toEqual({ sessions: Math.floor(free / 0.25), limitedBy: 'memory' });
    expect(replicaSessions(profile, { ...fleet, maxSessionsPerReplica: 5 })).toEqual({
      sessions: 5,
      limitedBy: 'max-sessions',
    });
    expect(peakCapacity(profile, 1, { ...fleet, minReplicas: 3 }, prices).replicas).toBe(3);
    expect(() => replicaSessions(profile, { ...fleet, replica: { vcpus: 0.05, memoryGiB: 4 } })).toThrow(
      /cannot hold one session \(cpu\)/,
    );
  });
});

describe('price files', () => {
  it('accepts the shipped example, which says its prices are examples', () => {
    expect(prices.currency).toBe('USD');
    expect(examplePrices).toMatch(/EXAMPLE prices/);
    expect(examplePrices).toMatch(/check each one against the current\s+# price list/);
  });

  it('reports every problem with its line and column', () => {
    const text = [
      'currency: USD',
      'source: test',
      'compute:',
      '  vcpuHour: cheap',
      '  memoryGiBHour: 0.004',
      'network: { egressPerGB: -1 }',
      'storage:',
      '  perGBMonth: 0.1',
      '  perGBMnth: 0.1',
      'vendors:',
      '  deepgram:',
      '    asr: { perMinute: 0.01 }',
      '    llm:',
      '      nova: { inputPer1MTokens: 1 }',
    ].join('\n');
    let error: unknown;
    try {
      parsePriceTable(text, 'p.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PriceFileError);
    const issues = (error as PriceFileError).issues.map(
      (i) => `${i.line}:${i.column} ${i.field}: ${i.message}`,
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^4:3 compute\.vcpuHour: expected number/),
        expect.stringMatching(/^6:12 network\.egressPerGB: .*>=0/),
        '9:3 storage.perGBMnth: unknown field `perGBMnth`',
        '14:7 vendors.deepgram.llm.nova.outputPer1MTokens: required field is missing',
      ]),
    );
    expect((error as Error).message).toContain('p.yaml:4:3 compute.vcpuHour');
  });

  it('points at a YAML syntax error and a missing section', () => {
    expect(() => parsePriceTable('currency: USD\ncompute: [1,\n', 'p.yaml')).toThrow(
      /p\.yaml:3:1 \(syntax\)/,
    );
    expect(() => parsePriceTable('currency: USD\nsource: s\n', 'p.yaml')).toThrow(
      /p\.yaml:1:1 compute: required field is missing/,
    );
  });
});

describe('usage', () => {
  const committed = join(repoRoot, 'docs/bench-usage.json');

  it('reads the committed measurement and picks the setup with the fewest sessions at once', async () => {
    const measured = await readMeasuredUsage(committed);
    const setup = pickSetup(measured);
    expect(setup.concurrent).toBe(Math.min(...(measured.sessions ?? []).map((s) => s.concurrent)));
    const used = usageProfile({ measured, setup });
    expect(used.cpuSecondsPerTurn).toBe(setup.cpuSecondsPerTurn);
    expect(used.storageBytesPerTurn).toBe(measured.storageBytesPerTurn?.postgres);
    expect(() => pickSetup(measured, 'no such setup')).toThrow(/it has: "1 session"/);
  });

  it('names the command that writes missing usage', async () => {
    await expect(readMeasuredUsage(join(repoRoot, 'no-such-usage.json'))).rejects.toThrow(
      /npm run bench -- --only sessions/,
    );
    const measured = MeasuredUsageSchema.parse(JSON.parse(readFileSync(committed, 'utf8')));
    const { storageBytesPerTurn: _, ...withoutStorage } = measured;
    expect(() => usageProfile({ measured: withoutStorage, setup: pickSetup(measured) })).toThrow(
      /npm run bench -- --only storage/,
    );
    expect(() => pickSetup({ ...measured, sessions: [] })).toThrow(/npm run bench -- --only sessions/);
  });

  it("takes each provider's billed units per turn from a server's /metrics", async () => {
    const metrics = new ServerMetrics();
    for (let i = 0; i < 4; i++) metrics.recordTurn({ nluMs: 1 }, false);
    metrics.recordProviderCall({
      type: 'provider-call',
      kind: 'llm',
      provider: 'openai-compatible',
      outcome: 'ok',
      durationMs: 300,
      usage: { inputTokens: 2000, outputTokens: 100 },
    });
    metrics.recordProviderCall({
      type: 'provider-call',
      kind: 'tts',
      provider: 'elevenlabs',
      outcome: 'ok',
      durationMs: 200,
      usage: { characters: 480 },
    });
    metrics.recordProviderCall({
      type: 'provider-call',
      kind: 'asr',
      provider: 'deepgram',
      outcome: 'ok',
      durationMs: 100,
      usage: { audioSeconds: 6 },
    });
    const billed = billedUsageFromMetrics(await metrics.registry.metrics(), 'test');
    expect(billed).toMatchObject({ turns: 4, llmInputTokens: 2000, llmOutputTokens: 100, tts: 480, asr: 6 });
    const measured = await readMeasuredUsage(committed);
    const units = usageProfile({ measured, setup: pickSetup(measured), billed }).units;
    expect(units).toEqual({ llmInputTokens: 500, llmOutputTokens: 25, ttsCharacters: 120, asrSeconds: 1.5 });
    expect(() => billedUsageFromMetrics('# nothing\n', 'x')).toThrow(/not a Visemo server's \/metrics/);
  });
});

describe('picture axis', () => {
  it('rounds up to a 1–2–5 step with about five gridlines', () => {
    expect(axis(11.58)).toEqual({ max: 15, step: 5 });
    expect(axis(41_571)).toEqual({ max: 50_000, step: 10_000 });
    expect(axis(4)).toEqual({ max: 4, step: 1 });
  });
});
