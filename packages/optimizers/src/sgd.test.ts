import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { describeReferenceRuns } from './reference-suite.js';
import { SGD, type SGDOptions } from './sgd.js';
import type { ReferenceStep } from './test-harness.js';

/** torch.optim.SGD as its documentation writes it, in float64 over plain arrays. */
function sgdReference(options: SGDOptions): ReferenceStep {
  const gamma = options.lr ?? 0.01;
  const mu = options.momentum ?? 0;
  const tau = options.dampening ?? 0;
  const lambda = options.weightDecay ?? 0;
  const nesterov = options.nesterov ?? false;
  let b: number[][] = [];
  return (theta, grad, t) => {
    if (t === 1) b = theta.map((values) => values.map(() => 0));
    theta.forEach((values, p) => {
      values.forEach((_, j) => {
        let g = grad[p]![j]!;
        if (lambda !== 0) g = g + lambda * theta[p]![j]!;
        if (mu !== 0) {
          if (t > 1) b[p]![j] = mu * b[p]![j]! + (1 - tau) * g;
          else b[p]![j] = g;
          if (nesterov) g = g + mu * b[p]![j]!;
          else g = b[p]![j]!;
        }
        theta[p]![j] = theta[p]![j]! - gamma * g;
      });
    });
  };
}

const CONFIGS: [string, SGDOptions][] = [
  ['defaults (the paper: lr 0.01)', {}],
  ['lr 0.05, weight decay 0.01', { lr: 0.05, weightDecay: 0.01 }],
  ['momentum 0.9', { momentum: 0.9 }],
  [
    'momentum 0.8, dampening 0.1, weight decay 0.001',
    { momentum: 0.8, dampening: 0.1, weightDecay: 1e-3 },
  ],
  [
    'Nesterov momentum 0.9, weight decay 0.01',
    { momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  ],
];

describe('SGD', () => {
  describeReferenceRuns(CONFIGS, (p, options) => new SGD(p, options), sgdReference);

  it('gives the bits of θ ← fround(θ − lr·g) on a 1,000-element float32 parameter (SIMD path)', () => {
    const n = 1000;
    const p = createParameter(
      'w',
      new Tensor(
        'float32',
        Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
        [n],
      ),
    );
    const want = Float32Array.from(p.value.data);
    const sgd = new SGD([p], { lr: 0.03 });
    for (let t = 1; t <= 50; t++) {
      for (let j = 0; j < n; j++) p.grad.data[j] = Math.cos(j * t) * 10 ** ((j % 7) - 3);
      for (let j = 0; j < n; j++) want[j] = (want[j] as number) - 0.03 * (p.grad.data[j] as number);
      sgd.step();
    }
    expect(p.value.data.every((x, j) => Object.is(x, want[j]))).toBe(true);
  });

  it("is the paper's rule θ ← θ − 0.01·∇θ by default", () => {
    const p = createParameter('w', new Tensor('float64', Float64Array.of(1, -2, 0.5), [3]));
    p.grad.data.set([0.5, 4, -1]);
    new SGD([p]).step();
    expect(Array.from(p.value.data)).toEqual([1 - 0.005, -2 - 0.04, 0.5 + 0.01]);
  });

  it('uses the gradient itself as the first momentum buffer (no dampening on step 1)', () => {
    const p = createParameter('w', new Tensor('float64', Float64Array.of(0), [1]));
    const sgd = new SGD([p], { lr: 1, momentum: 0.5, dampening: 0.5 });
    p.grad.data[0] = 2;
    sgd.step(); // b = 2, θ = -2
    sgd.step(); // b = 0.5·2 + 0.5·2 = 2, θ = -4
    expect(p.value.data[0]).toBe(-4);
  });

  it('rejects bad hyperparameters with errors naming them', () => {
    const p = [createParameter('w', new Tensor('float32', new Float32Array(2), [2]))];
    expect(() => new SGD(p, { lr: -1 })).toThrow(
      /SGD: learning rate must be a finite number >= 0, got -1/,
    );
    expect(() => new SGD(p, { lr: Number.NaN })).toThrow(/got NaN/);
    expect(() => new SGD(p, { momentum: -0.1 })).toThrow(/momentum must be a finite number >= 0/);
    expect(() => new SGD(p, { nesterov: true })).toThrow(/Nesterov momentum requires momentum > 0/);
    expect(() => new SGD(p, { momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      /dampening 0/,
    );
    expect(() => new SGD(p, { momentun: 0.9 } as SGDOptions)).toThrow(/unknown option "momentun"/);
    expect(() => new SGD([])).toThrow(/empty parameter list/);
  });
});
