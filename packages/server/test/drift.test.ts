import type { WindowSignals } from '@visemo/storage';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DriftGauges } from '../src/drift/drift-gauges.js';
import { compareSignals, driftReport, emptySignals, type RateDrift } from '../src/drift/drift-report.js';
import { driftSvg } from '../src/drift/drift-svg.js';
import { driftTable } from '../src/drift/drift-table.js';
import { parseWindow, trailingWindows, windowDurationMs } from '../src/drift/drift-windows.js';
import {
  PSI_FLOOR,
  populationStabilityIndex,
  standardNormalCdf,
  twoProportionTest,
} from '../src/drift/population-stability.js';

/** A window of `userTurns` typed turns with the given intent mix, rates and confidence bins. */
function window(overrides: Partial<WindowSignals>): WindowSignals {
  return { ...emptySignals(), ...overrides };
}

const BASELINE = window({
  turns: 1000,
  userTurns: 1000,
  speechTurns: 500,
  notUnderstood: 50,
  handedOff: 20,
  asrRejected: 25,
  interrupted: 100,
  rated: 200,
  thumbsDown: 20,
  intents: { hours: 600, order: 300, '(none)': 100 },
  confidence: {
    hours: [0, 0, 0, 0, 0, 0, 0, 0, 300, 300],
    order: [0, 0, 0, 0, 0, 0, 0, 0, 150, 150],
  },
});

describe('population stability index', () => {
  it('is 0 for the same shares, whatever the counts', () => {
    expect(populationStabilityIndex([10, 20, 70], [10, 20, 70])).toBe(0);
    expect(populationStabilityIndex([10, 20, 70], [100, 200, 700])).toBeCloseTo(0, 12);
  });

  it('sums (c − b)·ln(c/b) over the shares: 50/50 → 80/20 is 0.4159', () => {
    // 0.3·ln(1.6) + (−0.3)·ln(0.4) = 0.141001 + 0.274887
    expect(populationStabilityIndex([50, 50], [80, 20])).toBeCloseTo(0.415888, 5);
    // Symmetric in its two windows.
    expect(populationStabilityIndex([80, 20], [50, 50])).toBeCloseTo(0.415888, 5);
    // 60/30/10 → 40/40/20: 0.2·ln(1.5)… = 0.179176
    expect(populationStabilityIndex([60, 30, 10], [40, 40, 20])).toBeCloseTo(0.179176, 5);
  });

  it('counts an empty bin as a share of 0.01 %, so a new category adds a finite term', () => {
    // (0.9 − 1)·ln(0.9) + (0.1 − 0.0001)·ln(0.1 / 0.0001) = 0.700621
    expect(PSI_FLOOR).toBe(1e-4);
    expect(populationStabilityIndex([100, 0], [90, 10])).toBeCloseTo(0.700621, 5);
  });

  it('refuses bins that do not match or a window without observations', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow('bins differ');
    expect(() => populationStabilityIndex([0, 0], [1, 2])).toThrow('without observations');
  });
});

describe('two-proportion test', () => {
  it('gives the pooled z and its two-sided p: 5 % → 8 % of 1000 is z 2.72, p 0.0065', () => {
    const test = twoProportionTest({ x: 50, n: 1000 }, { x: 80, n: 1000 });
    expect(test.difference).toBeCloseTo(0.03, 10);
    expect(test.z).toBeCloseTo(2.721095, 5);
    expect(test.p).toBeCloseTo(0.006507, 5);
    expect(twoProportionTest({ x: 80, n: 1000 }, { x: 50, n: 1000 }).z).toBeCloseTo(-2.721095, 5);
  });

  it('is 0 when nothing differs or nothing varies', () => {
    for (const test of [
      twoProportionTest({ x: 30, n: 300 }, { x: 10, n: 100 }),
      twoProportionTest({ x: 0, n: 300 }, { x: 0, n: 100 }),
    ]) {
      expect(test.z).toBe(0);
      expect(test.p).toBeCloseTo(1, 6);
    }
  });

  it('uses a normal CDF accurate to 1e-6', () => {
    expect(standardNormalCdf(0)).toBeCloseTo(0.5, 6);
    expect(standardNormalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(standardNormalCdf(-2.575829)).toBeCloseTo(0.005, 6);
  });
});

describe('drift report', () => {
  it('finds nothing between identical windows: every PSI 0, every level stable', () => {
    const signals = compareSignals(BASELINE, BASELINE);
    expect(signals.map((s) => s.signal)).toEqual([
      'intent_mix',
      'confidence',
      'confidence:hours',
      'confidence:order',
      'not_understood',
      'handoff',
      'asr_rejected',
      'barge_in',
      'thumbs_down',
    ]);
    for (const signal of signals) {
      expect(signal.psi, signal.signal).toBe(0);
      expect(signal.level, signal.signal).toBe('stable');
    }
  });

  it('measures a shifted intent mix and confidence as computed by hand, and a rate by its z', () => {
    const current = window({
      ...BASELINE,
      intents: { hours: 400, order: 400, '(none)': 200 },
      // Every `hours` turn now in the 0.8–0.9 bin: 50/50 → 100/0 of the two upper bins.
      confidence: { hours: [0, 0, 0, 0, 0, 0, 0, 0, 400, 0], order: BASELINE.confidence.order as number[] },
      notUnderstood: 80,
    });
    const byName = new Map(compareSignals(BASELINE, current).map((s) => [s.signal, s]));
    expect(byName.get('intent_mix')?.psi).toBeCloseTo(0.179176, 5);
    expect(byName.get('intent_mix')?.level).toBe('warn');
    // (1 − 0.5)·ln(1/0.5) + (0.0001 − 0.5)·ln(0.0001/0.5) = 0.346574 + 4.257745; the eight bins
    // empty in both windows add nothing.
    expect(byName.get('confidence:hours')?.psi).toBeCloseTo(4.604319, 5);
    expect(byName.get('confidence:hours')?.level).toBe('alert');
    expect(byName.get('confidence:order')?.psi).toBe(0);
    const notUnderstood = byName.get('not_understood') as RateDrift;
    expect(notUnderstood.z).toBeCloseTo(2.721095, 5);
    expect(notUnderstood.level).toBe('warn');
    expect(notUnderstood.current.rate).toBeCloseTo(0.08, 10);
    // PSI of the two-bin rate, reported beside the test: 5 % → 8 % is only 0.0152.
    expect(notUnderstood.psi).toBeCloseTo(0.03 * Math.log(0.08 / 0.05) + -0.03 * Math.log(0.92 / 0.95), 10);
    expect(byName.get('handoff')?.level).toBe('stable');
  });

  it('gives no level where a window has fewer observations than the minimum', () => {
    const small = window({ turns: 10, userTurns: 10, intents: { hours: 10 }, notUnderstood: 5 });
    const signals = compareSignals(BASELINE, small);
    expect(signals.find((s) => s.signal === 'intent_mix')).toMatchObject({ psi: null, level: 'too_few' });
    expect(signals.find((s) => s.signal === 'not_understood')).toMatchObject({ z: null, level: 'too_few' });
    expect(
      compareSignals(BASELINE, small, { minCount: 5 }).find((s) => s.signal === 'intent_mix')?.level,
    ).toBe('alert');
  });

  it('pairs flag variants across windows and raises the alert for the variant that drifted', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const { baseline, current } = trailingWindows(now, 86_400_000, 7 * 86_400_000);
    const report = driftReport({
      agent: 'support-agent',
      baseline,
      current,
      byFlag: 'renderer3d',
      baselineSignals: [
        { ...BASELINE, variant: 'off' },
        { ...BASELINE, variant: 'on' },
      ],
      currentSignals: [
        { ...BASELINE, variant: 'on', thumbsDown: 80 },
        { ...BASELINE, variant: 'off' },
      ],
      generatedAt: now,
    });
    expect(report.variants.map((v) => [v.variant, v.alert])).toEqual([
      ['off', false],
      ['on', true],
    ]);
    expect(report.alert).toBe(true);
    expect(report.baseline.since.toISOString()).toBe('2026-11-25T12:00:00.000Z');
    const table = driftTable(report);
    expect(table).toContain('renderer3d = on');
    expect(table).toContain('ALERT: thumbs_down [on]');
    const svg = driftSvg(report);
    expect(svg).toContain('thumbs_down [on]');
    expect(svg.match(/<g>/g)).toHaveLength(2 * 9);
  });

  it('shows the last report on the gauges, and no series for a signal without a level', () => {
    const registry = new Registry();
    const gauges = new DriftGauges(registry);
    const now = new Date('2026-12-03T12:00:00Z');
    gauges.update(
      driftReport({
        agent: 'a',
        ...trailingWindows(now, 3_600_000, 3_600_000),
        baselineSignals: [BASELINE],
        currentSignals: [{ ...BASELINE, handedOff: 60 }],
        generatedAt: now,
      }),
    );
    return registry.metrics().then((text) => {
      expect(text).toContain('visemo_drift_psi{agent="a",signal="intent_mix"} 0');
      expect(text).toContain('visemo_drift_level{agent="a",signal="handoff"} 2');
      expect(text).toContain('visemo_drift_alert{agent="a"} 1');
      expect(text).toContain(`visemo_drift_checked_timestamp_seconds{agent="a"} ${now.getTime() / 1000}`);
    });
  });
});

describe('drift windows', () => {
  it('reads durations and ranges, and says what is wrong with anything else', () => {
    expect(windowDurationMs('24h')).toBe(86_400_000);
    expect(windowDurationMs('30m')).toBe(1_800_000);
    expect(windowDurationMs('2w')).toBe(14 * 86_400_000);
    expect(() => windowDurationMs('0h')).toThrow('not a duration');
    expect(() => windowDurationMs('soon')).toThrow('not a duration');
    const end = new Date('2026-12-03T00:00:00Z');
    expect(parseWindow('1d', end).since.toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(parseWindow('2026-11-01..2026-11-08', end)).toEqual({
      since: new Date('2026-11-01T00:00:00Z'),
      until: new Date('2026-11-08T00:00:00Z'),
    });
    expect(() => parseWindow('2026-11-08..2026-11-01', end)).toThrow('ends before it starts');
    expect(() => parseWindow('x..y', end)).toThrow('ISO 8601');
  });
});
