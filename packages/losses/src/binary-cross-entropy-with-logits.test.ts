import { tensor, uniform, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  BinaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogits,
} from './binary-cross-entropy-with-logits.js';
import { lossContract } from './testing/index.js';

describe('BinaryCrossEntropyWithLogits: contract', () => {
  for (const check of lossContract({
    create: () => new BinaryCrossEntropyWithLogits(),
    inputShapes: [[1, 1], [4, 3], [6]],
    target: (rng, shape) => uniform(rng, shape, 0, 1, { dtype: 'float64' }),
    // σ(0) = 1/2 → ln 2 for any t; σ(ln 3) = 3/4 with t = 1 → −ln(3/4). ∇ = (σ(x) − t)/N.
    values: [
      {
        input: tensor([0, Math.log(3)], 'float64'),
        target: tensor([1, 1], 'float64'),
        loss: (Math.log(2) - Math.log(0.75)) / 2,
        grad: tensor([-0.25, -0.125], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('binaryCrossEntropyWithLogits', () => {
  it('matches −[t log σ + (1 − t) log(1 − σ)] averaged over all elements', () => {
    // σ(0) = 1/2 → ln 2 for any t; σ(ln 3) = 3/4: t = 1 → −ln(3/4), t = 0 → −ln(1/4).
    const x = tensor([0, Math.log(3), Math.log(3)], 'float64');
    const t = tensor([0.3, 1, 0], 'float64');
    const { loss, grad } = binaryCrossEntropyWithLogits(x, t);
    expect(loss).toBeCloseTo((Math.log(2) - Math.log(0.75) - Math.log(0.25)) / 3, 15);
    expect(grad.data[0]).toBeCloseTo((0.5 - 0.3) / 3, 15);
    expect(grad.data[1]).toBeCloseTo((0.75 - 1) / 3, 15);
    expect(grad.data[2]).toBeCloseTo(0.75 / 3, 15);
  });

  it('is finite for logits of ±1e4', () => {
    const { loss, grad } = binaryCrossEntropyWithLogits(
      tensor([1e4, -1e4, 1e4]),
      tensor([1, 0, 0]),
    );
    expect(loss).toBeCloseTo(1e4 / 3, 3);
    expect(grad.toArray()).toEqual([0, 0, expect.closeTo(1 / 3, 6)]);
  });

  it('rejects targets outside [0, 1], NaN logits and mismatched shapes', () => {
    expect(() => binaryCrossEntropyWithLogits(zeros([2]), tensor([0, 2]))).toThrow(
      'binaryCrossEntropyWithLogits: target 2 at [1] is not in [0, 1]',
    );
    expect(() => binaryCrossEntropyWithLogits(tensor([Number.NaN]), zeros([1]))).toThrow(
      'logits must be finite, found NaN at [0]',
    );
    expect(() => new BinaryCrossEntropyWithLogits().compute(zeros([2, 1]), zeros([2]))).toThrow(
      'binaryCrossEntropyWithLogits: target has shape [2] but the input has [2,1]',
    );
    expect(() => binaryCrossEntropyWithLogits(zeros([0]), zeros([0]))).toThrow(
      'binaryCrossEntropyWithLogits: the input is empty; the mean is undefined',
    );
    expect(() => binaryCrossEntropyWithLogits(zeros([1], 'int32') as never, zeros([1]))).toThrow(
      'binaryCrossEntropyWithLogits: logits must be a float32 or float64 tensor, got int32 [1]',
    );
  });
});
