import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { AdamW, type AdamWOptions } from './adamw.js';
import { describeReferenceRuns } from './reference-suite.js';
import type { ReferenceStep } from './test-harness.js';

/** torch.optim.AdamW as its documentation writes it, in float64 over plain arrays. */
function adamwReference(options: AdamWOptions): ReferenceStep {
  const gamma = options.lr ?? 1e-3;
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const eps = options.eps ?? 1e-8;
  const lambda = options.weightDecay ?? 1e-2;
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
        const g = grad[p]![j]!;
        theta[p]![j] = theta[p]![j]! - gamma * lambda * theta[p]![j]!;
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

const CONFIGS: [string, AdamWOptions][] = [
  ['defaults (weight decay 0.01)', {}],
  ['lr 0.02, weight decay 0.5, AMSGrad', { lr: 0.02, weightDecay: 0.5, amsgrad: true }],
  ['betas (0.5, 0.9), no weight decay', { lr: 0.01, betas: [0.5, 0.9], weightDecay: 0 }],
];

describe('AdamW', () => {
  describeReferenceRuns(CONFIGS, (p, options) => new AdamW(p, options), adamwReference);

  it('decays the weights even where the gradient is zero, unlike Adam with L2', () => {
    const make = () => createParameter('w', new Tensor('float64', Float64Array.of(2), [1]));
    const decoupled = make();
    new AdamW([decoupled], { lr: 0.1, weightDecay: 0.5 }).step();
    expect(decoupled.value.data[0]).toBeCloseTo(2 * (1 - 0.1 * 0.5), 12);
    const coupled = make();
    new Adam([coupled], { lr: 0.1, weightDecay: 0.5 }).step();
    // Adam folds λθ into the gradient, which its normalisation turns into a full lr-sized step.
    expect(coupled.value.data[0]).toBeCloseTo(2 - 0.1, 6);
  });

  it('is distinguished from Adam in its state dict', () => {
    const p = [createParameter('w', new Tensor('float32', new Float32Array(2), [2]))];
    const state = new AdamW(p).stateDict();
    expect(state.optimizer).toBe('AdamW');
    expect(() => new Adam(p).loadStateDict(state)).toThrow(
      /Adam.loadStateDict: the state is for optimizer "AdamW"/,
    );
  });
});
