/**
 * The population stability index of two binned distributions, Σ (cᵢ − bᵢ) · ln(cᵢ / bᵢ) over the
 * bins' shares of the baseline (b) and current (c) counts. 0 for the same shares; by the usual
 * bands below 0.1 is stable, 0.1–0.25 a moderate shift, above 0.25 a major one. A bin empty in one
 * window counts as a share of `PSI_FLOOR`, so a category that appears or vanishes adds a finite,
 * large term instead of infinity.
 */
export function populationStabilityIndex(baseline: readonly number[], current: readonly number[]): number {
  if (baseline.length !== current.length)
    throw new RangeError(`bins differ: ${baseline.length} baseline, ${current.length} current`);
  const baselineTotal = total(baseline);
  const currentTotal = total(current);
  if (baselineTotal === 0 || currentTotal === 0) throw new RangeError('a window without observations');
  let psi = 0;
  for (let i = 0; i < baseline.length; i++) {
    const b = Math.max((baseline[i] ?? 0) / baselineTotal, PSI_FLOOR);
    const c = Math.max((current[i] ?? 0) / currentTotal, PSI_FLOOR);
    psi += (c - b) * Math.log(c / b);
  }
  return psi;
}

/** The share an empty bin counts as (0.01 %). */
export const PSI_FLOOR = 1e-4;

/** The usual PSI bands. */
export const PSI_WARN = 0.1;
export const PSI_ALERT = 0.25;

export interface ProportionTest {
  /** current rate − baseline rate. */
  difference: number;
  /** The difference over its standard error under the pooled rate; 0 when both rates are 0 or 1. */
  z: number;
  /** Two-sided p-value of `z` under the normal approximation. */
  p: number;
}

/**
 * Whether two rates differ beyond chance: the two-proportion z-test with the pooled rate, for
 * `x` events out of `n` trials in each window.
 */
export function twoProportionTest(
  baseline: { x: number; n: number },
  current: { x: number; n: number },
): ProportionTest {
  if (baseline.n <= 0 || current.n <= 0) throw new RangeError('a window without trials');
  const p1 = baseline.x / baseline.n;
  const p2 = current.x / current.n;
  const pooled = (baseline.x + current.x) / (baseline.n + current.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.n + 1 / current.n));
  const z = se === 0 ? 0 : (p2 - p1) / se;
  return { difference: p2 - p1, z, p: 2 * (1 - standardNormalCdf(Math.abs(z))) };
}

/**
 * Φ(x) by the Abramowitz–Stegun 7.1.26 approximation of erf (absolute error below 1.5 × 10⁻⁷),
 * plenty for telling p = 0.01 from p = 0.001.
 */
export function standardNormalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

function total(counts: readonly number[]): number {
  return counts.reduce((sum, n) => sum + n, 0);
}
