import { createRng, normal, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { MeanSquaredError, mse } from './mse.js';
import { lossContract } from './testing/index.js';

describe('MeanSquaredError: contract', () => {
  for (const check of lossContract({
    create: () => new MeanSquaredError(),
    inputShapes: [
      [1, 1],
      [4, 3],
      [2, 3, 2],
    ],
    target: (rng, shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
    // (1/N) Σ (x − y)²: ((1 − 0)² + (2 − 4)²)/2 = 2.5; ∇ = 2(x − y)/N = [1, −2].
    values: [
      {
        input: tensor([[1, 2]], 'float64'),
        target: tensor([[0, 4]], 'float64'),
        loss: 2.5,
        grad: tensor([[1, -2]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('mse', () => {
  it('averages (x − y)² over all elements, with gradient 2(x − y)/N', () => {
    const { loss, grad } = mse(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        'float64',
      ),
      tensor(
        [
          [0, 2],
          [5, 4],
        ],
        'float64',
      ),
    );
    expect(loss).toBe((1 + 0 + 4 + 0) / 4);
    expect(grad.toArray()).toEqual([
      [0.5, 0],
      [-1, 0],
    ]);
  });

  it('accepts a target of the other float dtype', () => {
    expect(mse(tensor([1, 3]), tensor([0, 0], 'float64')).loss).toBe(5);
  });

  it('rejects mismatched shapes and NaN, naming the loss', () => {
    expect(() => mse(zeros([2, 3]), zeros([3, 2]))).toThrow(
      'mse: target has shape [3,2] but the input has [2,3]',
    );
    expect(() => mse(tensor([1, Number.NaN]), zeros([2]))).toThrow(
      'mse: input must be finite, found NaN at [1] of [2]',
    );
    expect(() => mse(zeros([0]), zeros([0]))).toThrow('mse: the input is empty');
    expect(() => mse(zeros([2]), tensor([0, Number.POSITIVE_INFINITY]))).toThrow(
      'mse: target must be finite, found Infinity at [1] of [2]',
    );
    expect(() => mse(zeros([2]), zeros([2], 'int32') as never)).toThrow(
      'mse: target must be a float32 or float64 tensor, got int32 [2]',
    );
  });

  it('reuses its gradient buffer', () => {
    const loss = new MeanSquaredError();
    const x = normal(createRng(1), [3, 4]);
    expect(loss.compute(x, zeros([3, 4])).grad).toBe(loss.compute(x, zeros([3, 4])).grad);
  });
});
