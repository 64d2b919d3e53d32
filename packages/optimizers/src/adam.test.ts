import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adam, type AdamOptions } from './adam.js';
import { describeReferenceRuns } from './reference-suite.js';
import type { ReferenceStep } from './test-harness.js';

/** torch.optim.Adam as its documentation writes it, in float64 over plain arrays. */
function adamReference(options: AdamOptions): ReferenceStep {
  const gamma = options.lr ?? 1e-3;
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const lambda = options.weightDecay ?? 0;
  const amsgrad = options.amsgrad ?? false;
  let m: number[][] = [];
  let v: number[][] = [];
  let vMax: number[][] = [];
  return (theta, grad, t) => {
    if (t === 1) {
      m = theta.map((x) => x.map(() => 0));
      v = theta.map((x) => x.map(() => 0));
      vMax = theta.map((x) => x.map(() => 0));
    }
    theta.forEach((values, p) => {
      values.forEach((_, j) => {
        let g = grad[p]![j]!;
        if (lambda !== 0) g = g + lambda * theta[p]![j]!;
        m[p]![j] = beta1 * m[p]![j]! + (1 - beta1) * g;
        v[p]![j] = beta2 * v[p]![j]! + (1 - beta2) * g * g;
        const mHat = m[p]![j]! / (1 - beta1 ** t);
        let vHat: number;
        if (amsgrad) {
          vMax[p]![j] = Math.max(vMax[p]![j]!, v[p]![j]!);
          vHat = vMax[p]![j]! / (1 - beta2 ** t);
        } else {
          vHat = v[p]![j]! / (1 - beta2 ** t);
        }
        theta[p]![j] = theta[p]![j]! - (gamma * mHat) / (Math.sqrt(vHat) + eps);
      });
    });
  };
}

const CONFIGS: [string, AdamOptions][] = [
  ['defaults', {}],
  [
    'lr 0.02, betas (0.8, 0.99), L2 weight decay 0.01',
    { lr: 0.02, betas: [0.8, 0.99], weightDecay: 0.01 },
  ],
  ['AMSGrad, lr 0.01', { lr: 0.01, amsgrad: true }],
  ['large eps 0.1', { lr: 0.05, eps: 0.1 }],
];

describe('Adam', () => {
  describeReferenceRuns(CONFIGS, (p, options) => new Adam(p, options), adamReference);

  it('moves every parameter by about lr on the first step (bias correction)', () => {
    const p = createParameter('w', new Tensor('float64', Float64Array.of(0, 0, 0), [3]));
    p.grad.data.set([1e-3, -5, 100]);
    new Adam([p], { lr: 0.1, eps: 0 }).step();
    const moved = Array.from(p.value.data);
    [-0.1, 0.1, -0.1].forEach((x, j) => {
      expect(moved[j]).toBeCloseTo(x, 12);
    });
  });

  it('rejects betas outside [0, 1) and other bad hyperparameters, naming them', () => {
    const p = [createParameter('w', new Tensor('float32', new Float32Array(2), [2]))];
    expect(() => new Adam(p, { betas: [1, 0.999] })).toThrow(
      /Adam: betas\[0\] \(beta1\) must be a number in \[0, 1\), got 1/,
    );
    expect(() => new Adam(p, { betas: [0.9, -0.1] })).toThrow(/betas\[1\] \(beta2\).*got -0.1/);
    expect(() => new Adam(p, { betas: [0.9, Number.NaN] })).toThrow(/got NaN/);
    expect(() => new Adam(p, { betas: [0.9] as unknown as [number, number] })).toThrow(
      /betas must be a pair/,
    );
    expect(() => new Adam(p, { lr: Number.NaN })).toThrow(/Adam: learning rate.*got NaN/);
    expect(() => new Adam(p, { eps: -1e-8 })).toThrow(/eps must be a finite number >= 0/);
    expect(() => new Adam(p, { weightDecay: -0.01 })).toThrow(/weightDecay/);
  });
});
