import { CONFIDENCE_BINS, type WindowSignals } from '@visemo/storage';
import { PSI_ALERT, PSI_WARN, populationStabilityIndex, twoProportionTest } from './population-stability.js';

/** `too_few`: a window holds fewer observations than `minCount`, so no level is given. */
export type DriftLevel = 'stable' | 'warn' | 'alert' | 'too_few';

/** A rate's |z| for `warn` (p < 0.01) and `alert` (p < 0.001), two-sided. */
export const Z_WARN = 2.576;
export const Z_ALERT = 3.291;

/** One binned distribution in one window: counts per labelled bin. */
export interface BinnedWindow {
  n: number;
  bins: { label: string; count: number; share: number }[];
}

export interface DistributionDrift {
  kind: 'distribution';
  /** `intent_mix`, `confidence` (all intents) or `confidence:INTENT`. */
  signal: string;
  baseline: BinnedWindow;
  current: BinnedWindow;
  psi: number | null;
  level: DriftLevel;
}

export interface RateWindow {
  /** Events, trials and their ratio (null without trials). */
  x: number;
  n: number;
  rate: number | null;
}

export interface RateDrift {
  kind: 'rate';
  /** `not_understood`, `handoff`, `asr_rejected`, `barge_in`, `thumbs_down`. */
  signal: string;
  baseline: RateWindow;
  current: RateWindow;
  /** PSI of the two-bin distribution (event, no event): reported, but the level comes from `z`. */
  psi: number | null;
  z: number | null;
  p: number | null;
  level: DriftLevel;
}

export type SignalDrift = DistributionDrift | RateDrift;

export interface VariantDrift {
  /** The flag variant, when the report is split by a flag; null for all telemetry. */
  variant: string | null;
  signals: SignalDrift[];
  /** Whether any signal is at `alert`. */
  alert: boolean;
}

export interface TimeWindow {
  since: Date;
  until: Date;
}

export interface DriftReport {
  agent: string;
  generatedAt: Date;
  baseline: TimeWindow;
  current: TimeWindow;
  byFlag: string | null;
  minCount: number;
  variants: VariantDrift[];
  alert: boolean;
}

export interface DriftOptions {
  /** Fewer observations than this in either window: `too_few` (default 30). */
  minCount?: number;
}

/**
 * The rates a window's signals give, each as events over trials: what the person met that went
 * wrong (asked to rephrase, handed off, not heard, talked over the answer, rated it down).
 */
const RATES: { signal: string; x: keyof WindowSignals; n: keyof WindowSignals }[] = [
  { signal: 'not_understood', x: 'notUnderstood', n: 'userTurns' },
  { signal: 'handoff', x: 'handedOff', n: 'userTurns' },
  { signal: 'asr_rejected', x: 'asrRejected', n: 'speechTurns' },
  { signal: 'barge_in', x: 'interrupted', n: 'turns' },
  { signal: 'thumbs_down', x: 'thumbsDown', n: 'rated' },
];

export const DEFAULT_MIN_COUNT = 30;

/** Every signal of a current window against its baseline (one flag variant, or all telemetry). */
export function compareSignals(
  baseline: WindowSignals,
  current: WindowSignals,
  options: DriftOptions = {},
): SignalDrift[] {
  const minCount = options.minCount ?? DEFAULT_MIN_COUNT;
  const signals: SignalDrift[] = [
    distributionDrift('intent_mix', baseline.intents, current.intents, minCount),
  ];
  const pooled = (confidence: Record<string, number[]>) => {
    const sum: number[] = [];
    for (const bins of Object.values(confidence)) {
      bins.forEach((n, i) => {
        sum[i] = (sum[i] ?? 0) + n;
      });
    }
    return binRecord(sum);
  };
  signals.push(
    distributionDrift('confidence', pooled(baseline.confidence), pooled(current.confidence), minCount),
  );
  const intents = [
    ...new Set([...Object.keys(baseline.confidence), ...Object.keys(current.confidence)]),
  ].sort();
  for (const intent of intents) {
    signals.push(
      distributionDrift(
        `confidence:${intent}`,
        binRecord(baseline.confidence[intent] ?? []),
        binRecord(current.confidence[intent] ?? []),
        minCount,
      ),
    );
  }
  for (const { signal, x, n } of RATES) {
    signals.push(
      rateDrift(
        signal,
        { x: baseline[x] as number, n: baseline[n] as number },
        { x: current[x] as number, n: current[n] as number },
        minCount,
      ),
    );
  }
  return signals;
}

/** Pairs the variants of two windows (one missing from a window counts as empty there). */
export function driftReport(
  input: {
    agent: string;
    baseline: TimeWindow;
    current: TimeWindow;
    byFlag?: string;
    baselineSignals: WindowSignals[];
    currentSignals: WindowSignals[];
    generatedAt?: Date;
  },
  options: DriftOptions = {},
): DriftReport {
  const byVariant = (list: WindowSignals[]) => new Map(list.map((w) => [w.variant, w]));
  const baseline = byVariant(input.baselineSignals);
  const current = byVariant(input.currentSignals);
  const names = input.byFlag
    ? [...new Set([...baseline.keys(), ...current.keys()])].sort((a, b) => String(a).localeCompare(String(b)))
    : [null];
  const variants = names.map((variant) => {
    const signals = compareSignals(
      baseline.get(variant) ?? emptySignals(variant),
      current.get(variant) ?? emptySignals(variant),
      options,
    );
    return { variant, signals, alert: signals.some((s) => s.level === 'alert') };
  });
  return {
    agent: input.agent,
    generatedAt: input.generatedAt ?? new Date(),
    baseline: input.baseline,
    current: input.current,
    byFlag: input.byFlag ?? null,
    minCount: options.minCount ?? DEFAULT_MIN_COUNT,
    variants,
    alert: variants.some((v) => v.alert),
  };
}

/** A window without telemetry. */
export function emptySignals(variant: string | null = null): WindowSignals {
  return {
    variant,
    turns: 0,
    userTurns: 0,
    speechTurns: 0,
    notUnderstood: 0,
    handedOff: 0,
    asrRejected: 0,
    interrupted: 0,
    rated: 0,
    thumbsDown: 0,
    intents: {},
    confidence: {},
  };
}

export function psiLevel(psi: number): DriftLevel {
  return psi >= PSI_ALERT ? 'alert' : psi >= PSI_WARN ? 'warn' : 'stable';
}

export function zLevel(z: number): DriftLevel {
  const size = Math.abs(z);
  return size >= Z_ALERT ? 'alert' : size >= Z_WARN ? 'warn' : 'stable';
}

function distributionDrift(
  signal: string,
  baseline: Record<string, number>,
  current: Record<string, number>,
  minCount: number,
): DistributionDrift {
  const labels = [...new Set([...Object.keys(baseline), ...Object.keys(current)])];
  const window = (counts: Record<string, number>): BinnedWindow => {
    const n = labels.reduce((sum, label) => sum + (counts[label] ?? 0), 0);
    return {
      n,
      bins: labels.map((label) => {
        const count = counts[label] ?? 0;
        return { label, count, share: n > 0 ? count / n : 0 };
      }),
    };
  };
  const b = window(baseline);
  const c = window(current);
  if (b.n < minCount || c.n < minCount || b.n === 0 || c.n === 0) {
    return { kind: 'distribution', signal, baseline: b, current: c, psi: null, level: 'too_few' };
  }
  const psi = populationStabilityIndex(
    b.bins.map((bin) => bin.count),
    c.bins.map((bin) => bin.count),
  );
  return { kind: 'distribution', signal, baseline: b, current: c, psi, level: psiLevel(psi) };
}

function rateDrift(
  signal: string,
  baseline: { x: number; n: number },
  current: { x: number; n: number },
  minCount: number,
): RateDrift {
  const window = ({ x, n }: { x: number; n: number }): RateWindow => ({ x, n, rate: n > 0 ? x / n : null });
  const drift: RateDrift = {
    kind: 'rate',
    signal,
    baseline: window(baseline),
    current: window(current),
    psi: null,
    z: null,
    p: null,
    level: 'too_few',
  };
  if (baseline.n < minCount || current.n < minCount || baseline.n === 0 || current.n === 0) return drift;
  const test = twoProportionTest(baseline, current);
  drift.psi = populationStabilityIndex(
    [baseline.x, baseline.n - baseline.x],
    [current.x, current.n - current.x],
  );
  drift.z = test.z;
  drift.p = test.p;
  drift.level = zLevel(test.z);
  return drift;
}

/** Confidence bins as labelled counts, `0.0–0.1` … `0.9–1.0`: every bin, empty ones too. */
function binRecord(bins: readonly number[]): Record<string, number> {
  const record: Record<string, number> = {};
  for (let i = 0; i < CONFIDENCE_BINS; i++) {
    record[`${(i / CONFIDENCE_BINS).toFixed(1)}–${((i + 1) / CONFIDENCE_BINS).toFixed(1)}`] = bins[i] ?? 0;
  }
  return record;
}
