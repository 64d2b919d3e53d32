import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { describeReferenceRuns } from './reference-suite.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import type { ReferenceStep } from './test-harness.js';

/** torch.optim.RMSprop as its documentation writes it, in float64 over plain arrays. */
function rmspropReference(options: RMSpropOptions): ReferenceStep {
  const gamma = options.lr ?? 1e-2;
  const alpha = options.alpha ?? 0.99;
  const eps = options.eps ?? 1e-8;
  const lambda = options.weightDecay ?? 0;
  const mu = options.momentum ?? 0;
  const centered = options.centered ?? false;
  let v: number[][] = [];
  let b: number[][] = [];
  let gAve: number[][] = [];
  return (theta, grad, t) => {
    if (t === 1) {
      v = theta.map((x) => x.map(() => 0));
      b = theta.map((x) => x.map(() => 0));
      gAve = theta.map((x) => x.map(() => 0));
    }
    theta.forEach((values, p) => {
      values.forEach((_, j) => {
        let g = grad[p]![j]!;
        if (lambda !== 0) g = g + lambda * theta[p]![j]!;
        v[p]![j] = alpha * v[p]![j]! + (1 - alpha) * g * g;
        let vTilde = v[p]![j]!;
        if (centered) {
          gAve[p]![j] = alpha * gAve[p]![j]! + (1 - alpha) * g;
          vTilde = vTilde - gAve[p]![j]! ** 2;
        }
        if (mu > 0) {
          b[p]![j] = mu * b[p]![j]! + g / (Math.sqrt(vTilde) + eps);
          theta[p]![j] = theta[p]![j]! - gamma * b[p]![j]!;
        } else {
          theta[p]![j] = theta[p]![j]! - (gamma * g) / (Math.sqrt(vTilde) + eps);
        }
      });
    });
  };
}

const CONFIGS: [string, RMSpropOptions][] = [
  ['defaults', {}],
  ['centered', { centered: true }],
  ['momentum 0.9, lr 0.001', { lr: 1e-3, momentum: 0.9 }],
  [
    'centered, momentum 0.5, alpha 0.9, weight decay 0.01',
    { centered: true, momentum: 0.5, alpha: 0.9, weightDecay: 0.01 },
  ],
];

describe('RMSprop', () => {
  describeReferenceRuns(CONFIGS, (p, options) => new RMSprop(p, options), rmspropReference);

  it('stays finite where the centered variance rounds below zero (the unclamped rule gives NaN)', () => {
    // With a constant gradient v − ḡ² = (1 − a)·aᵗ·g² → 0; for a = 0.5, g = 0.7 float64 rounding
    // makes it negative at step 54, so the documented rule takes the square root of a negative.
    const options: RMSpropOptions = { centered: true, alpha: 0.5, lr: 1e-4 };
    const unclamped = rmspropReference(options);
    const theta = [[1]];
    for (let t = 1; t <= 60; t++) unclamped(theta, [[0.7]], t);
    expect(theta[0]![0]).toBeNaN();

    const p = createParameter('w', new Tensor('float64', Float64Array.of(1), [1]));
    const opt = new RMSprop([p], options);
    p.grad.data[0] = 0.7;
    for (let t = 1; t <= 60; t++) opt.step();
    expect(Number.isFinite(p.value.data[0])).toBe(true);
    expect(p.value.data[0]).toBeLessThan(1);
  });

  it('rejects a smoothing constant outside [0, 1)', () => {
    const p = [createParameter('w', new Tensor('float32', new Float32Array(2), [2]))];
    expect(() => new RMSprop(p, { alpha: 1 })).toThrow(
      /RMSprop: alpha must be a number in \[0, 1\), got 1/,
    );
    expect(() => new RMSprop(p, { alpha: -0.5 })).toThrow(/alpha/);
    expect(() => new RMSprop(p, { momentum: Number.NaN })).toThrow(/momentum.*got NaN/);
  });
});
