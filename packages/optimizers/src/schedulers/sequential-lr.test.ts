import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SequentialLR } from './sequential-lr.js';
import { StepLR } from './step-lr.js';
import {
  bareOptimizer,
  lrSequence,
  maxRelativeError,
  pytorchCosine,
  pytorchLinear,
  pytorchStepLR,
} from './test-support.js';

describe('SequentialLR', () => {
  it('matches PyTorch for linear warmup then cosine annealing', () => {
    // PyTorch: the first phase runs from the initial rate; at the milestone the next phase is
    // restarted with step(0) (its rate at epoch 0, i.e. the initial rate) and then steps on.
    const base = 0.2;
    const optimizer = bareOptimizer(base);
    const scheduler = new SequentialLR(optimizer, {
      schedulers: [
        (o) => new LinearLR(o, { startFactor: 0.1, totalIters: 5 }),
        (o) => new CosineAnnealingLR(o, { tMax: 20, etaMin: 0.01 }),
      ],
      milestones: [5],
    });
    const actual = lrSequence(scheduler, 60);
    const expected = [
      ...pytorchLinear(base, 0.1, 1, 5, 4),
      ...pytorchCosine(base, 20, 0.01, 60 - 5),
    ];
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-9);
    expect(optimizer.lr).toBe(actual[60]);
  });

  it('gives every phase the same base rate, whatever the phases before it set', () => {
    const optimizer = bareOptimizer(1);
    const scheduler = new SequentialLR(optimizer, {
      schedulers: [
        (o) => new StepLR(o, { stepSize: 1, gamma: 0.5 }),
        (o) => new ExponentialLR(o, { gamma: 0.9 }),
        (o) => new StepLR(o, { stepSize: 2, gamma: 0.1 }),
      ],
      milestones: [3, 6],
    });
    const actual = lrSequence(scheduler, 10);
    const expected = [...pytorchStepLR(1, 1, 0.5, 2), 1, 0.9, 0.81, ...pytorchStepLR(1, 2, 0.1, 4)];
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-12);
  });

  it('rejects mismatched milestones and phases that are not epoch schedulers', () => {
    const o = bareOptimizer(0.1);
    const warm = (x: typeof o) => new LinearLR(x);
    expect(() => new SequentialLR(o, { schedulers: [warm, warm], milestones: [] })).toThrow(
      /expected 1 milestones for 2 schedulers, got 0/,
    );
    expect(
      () => new SequentialLR(o, { schedulers: [warm, warm, warm], milestones: [5, 5] }),
    ).toThrow(/milestones\[1\] must be an integer >= 6, got 5/);
    expect(() => new SequentialLR(o, { schedulers: [], milestones: [] })).toThrow(/non-empty/);
    expect(
      () =>
        new SequentialLR(o, {
          schedulers: [warm, (x) => new ReduceLROnPlateau(x) as never],
          milestones: [3],
        }),
    ).toThrow(/must build an epoch scheduler/);
  });
});
