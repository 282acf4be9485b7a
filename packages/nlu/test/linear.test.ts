import { describe, expect, it } from 'vitest';
import { FeatureSpace } from '../src/features.js';
import { trainOneVsRestSvm } from '../src/linear.js';
import { supportAgent } from './domain.js';

const examples = supportAgent().intents.flatMap((i, label) => i.examples.map((text) => ({ text, label })));

describe('trainOneVsRestSvm', () => {
  const { space, rows } = FeatureSpace.fit(examples.map((e) => e.text));
  const labels = Int32Array.from(examples.map((e) => e.label));
  const classes = Math.max(...labels) + 1;
  const options = { c: 1, epochs: 5, seed: 1 };

  it('holds the model its duals describe', () => {
    const trained = trainOneVsRestSvm(rows, labels, classes, space.size, options);
    const rebuilt = trainOneVsRestSvm(rows, labels, classes, space.size, {
      ...options,
      epochs: 0,
      start: trained.dual,
    });
    const { weights } = trained.model;
    for (let k = 0; k < weights.length; k++)
      expect(rebuilt.model.weights[k]).toBeCloseTo(weights[k] as number, 4);
  });

  it('goes on from where a started training left off', () => {
    const five = trainOneVsRestSvm(rows, labels, classes, space.size, options);
    const twoThenThree = trainOneVsRestSvm(rows, labels, classes, space.size, {
      ...options,
      epochs: 3,
      start: trainOneVsRestSvm(rows, labels, classes, space.size, { ...options, epochs: 2 }).dual,
    });
    const gap = (w: Float32Array) =>
      w.reduce((s, v, k) => s + (v - (five.model.weights[k] as number)) ** 2, 0);
    const zero = new Float32Array(five.model.weights.length);
    expect(gap(twoThenThree.model.weights)).toBeLessThan(0.01 * gap(zero));
  });
});
