import { seededRandom } from '@visemo/core';
import type { SparseVector } from './features.js';

/**
 * A multi-class linear model stored feature-major: the weights of feature `f` for all classes
 * sit together at `weights[f * classes ... f * classes + classes)`, so scoring a sparse row reads
 * contiguous memory. The last feature row is the bias.
 */
export interface LinearModel {
  classes: number;
  features: number;
  weights: Float32Array;
}

export interface SvmOptions {
  /** Inverse regularisation strength (LIBLINEAR's C). */
  c: number;
  epochs: number;
  seed: number;
  /**
   * Dual variables to start from (`dual` of an earlier training on the same rows and labels, e.g.
   * with fewer features): fewer epochs reach the same accuracy.
   */
  start?: Float64Array;
}

/** A trained model with its dual variables, one per example and class. */
export interface TrainedSvm {
  model: LinearModel;
  dual: Float64Array;
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * One-vs-rest linear SVMs with the squared hinge loss, trained by dual coordinate descent
 * (Hsieh et al. 2008, the method of LIBLINEAR). The binary problems are independent, so each
 * example is visited once per epoch for all classes together.
 */
export function trainOneVsRestSvm(
  rows: readonly SparseVector[],
  labels: Int32Array,
  classes: number,
  features: number,
  options: SvmOptions,
): TrainedSvm {
  const n = rows.length;
  const bias = features; // index of the constant feature
  const weights = new Float32Array((features + 1) * classes);
  const alpha = options.start ? Float64Array.from(options.start) : new Float64Array(n * classes);
  // w = Σ alpha · y · x, for the starting duals
  if (options.start)
    for (let i = 0; i < n; i++) {
      const { idx, val } = rows[i] as SparseVector;
      for (let c = 0; c < classes; c++) {
        const a = alpha[i * classes + c] as number;
        if (a === 0) continue;
        const ay = c === labels[i] ? a : -a;
        weights[bias * classes + c] = (weights[bias * classes + c] as number) + ay;
        for (let k = 0; k < idx.length; k++) {
          const at = (idx[k] as number) * classes + c;
          weights[at] = (weights[at] as number) + ay * (val[k] as number);
        }
      }
    }
  const diag = 0.5 / options.c;
  const qii = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as SparseVector;
    let s = 1; // the bias feature
    for (let k = 0; k < r.val.length; k++) s += (r.val[k] as number) ** 2;
    qii[i] = s + diag;
  }
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(options.seed);
  const scores = new Float64Array(classes);
  const deltas = new Float64Array(classes);
  const changed = new Int32Array(classes);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (const i of order) {
      const r = rows[i] as SparseVector;
      const label = labels[i] as number;
      const { idx, val } = r;
      const nnz = idx.length;
      // scores of all classes
      let off = bias * classes;
      for (let c = 0; c < classes; c++) scores[c] = weights[off + c] as number;
      for (let k = 0; k < nnz; k++) {
        const v = val[k] as number;
        off = (idx[k] as number) * classes;
        for (let c = 0; c < classes; c++)
          scores[c] = (scores[c] as number) + v * (weights[off + c] as number);
      }
      let nChanged = 0;
      const base = i * classes;
      const q = qii[i] as number;
      for (let c = 0; c < classes; c++) {
        const y = c === label ? 1 : -1;
        const a = alpha[base + c] as number;
        const g = y * (scores[c] as number) - 1 + diag * a;
        const pg = a > 0 ? g : Math.min(g, 0);
        if (pg === 0 || Math.abs(pg) < 1e-12) continue;
        const next = Math.max(a - g / q, 0);
        if (next === a) continue;
        alpha[base + c] = next;
        deltas[nChanged] = (next - a) * y;
        changed[nChanged] = c;
        nChanged++;
      }
      if (nChanged === 0) continue;
      for (let k = -1; k < nnz; k++) {
        const v = k < 0 ? 1 : (val[k] as number);
        off = (k < 0 ? bias : (idx[k] as number)) * classes;
        for (let j = 0; j < nChanged; j++) {
          const at = off + (changed[j] as number);
          weights[at] = (weights[at] as number) + v * (deltas[j] as number);
        }
      }
    }
  }
  return { model: { classes, features, weights }, dual: alpha };
}

/** Raw decision values of all classes for one row, written into `out`. */
export function scoreInto(model: LinearModel, row: SparseVector, out: Float64Array): Float64Array {
  const { classes, weights } = model;
  let off = model.features * classes;
  for (let c = 0; c < classes; c++) out[c] = weights[off + c] as number;
  for (let k = 0; k < row.idx.length; k++) {
    const f = row.idx[k] as number;
    if (f >= model.features) continue;
    const v = row.val[k] as number;
    off = f * classes;
    for (let c = 0; c < classes; c++) out[c] = (out[c] as number) + v * (weights[off + c] as number);
  }
  return out;
}
