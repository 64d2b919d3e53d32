import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adagrad, type AdagradOptions } from './adagrad.js';
import { describeReferenceRuns } from './reference-suite.js';
import type { ReferenceStep } from './test-harness.js';

/** torch.optim.Adagrad as its documentation writes it, in float64 over plain arrays. */
function adagradReference(options: AdagradOptions): ReferenceStep {
  const gamma = options.lr ?? 1e-2;
  const eta = options.lrDecay ?? 0;
  const lambda = options.weightDecay ?? 0;
  const tau = options.initialAccumulatorValue ?? 0;
  const eps = options.eps ?? 1e-10;
  let stateSum: number[][] = [];
  return (theta, grad, t) => {
    if (t === 1) stateSum = theta.map((x) => x.map(() => tau));
    const gammaTilde = gamma / (1 + (t - 1) * eta);
    theta.forEach((values, p) => {
      values.forEach((_, j) => {
        let g = grad[p]![j]!;
        if (lambda !== 0) g = g + lambda * theta[p]![j]!;
        stateSum[p]![j] = stateSum[p]![j]! + g * g;
        theta[p]![j] = theta[p]![j]! - (gammaTilde * g) / (Math.sqrt(stateSum[p]![j]!) + eps);
      });
    });
  };
}

const CONFIGS: [string, AdagradOptions][] = [
  ['defaults', {}],
  [
    'lr 0.1, lr decay 0.01, weight decay 0.01, initial accumulator 0.1',
    { lr: 0.1, lrDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1 },
  ],
  ['eps 1e-3', { lr: 0.05, eps: 1e-3 }],
];

describe('Adagrad', () => {
  describeReferenceRuns(CONFIGS, (p, options) => new Adagrad(p, options), adagradReference);

  it('starts the accumulator at initialAccumulatorValue, visible in the state dict', () => {
    const p = [createParameter('w', new Tensor('float64', new Float64Array(3), [3]))];
    const state = new Adagrad(p, { initialAccumulatorValue: 0.25 }).stateDict();
    const entries = state.state as readonly { readonly sum: Float64Array }[];
    expect(Array.from(entries[0]!.sum)).toEqual([0.25, 0.25, 0.25]);
  });

  it('rejects negative decay and accumulator values', () => {
    const p = [createParameter('w', new Tensor('float32', new Float32Array(2), [2]))];
    expect(() => new Adagrad(p, { lrDecay: -1 })).toThrow(
      /Adagrad: lrDecay must be a finite number >= 0, got -1/,
    );
    expect(() => new Adagrad(p, { initialAccumulatorValue: -0.1 })).toThrow(
      /initialAccumulatorValue/,
    );
  });
});
