import { tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { ReLU } from './relu.js';
import { awayFromZero, layerContract } from './testing/index.js';

const ctx = { training: false };

describe('ReLU: contract', () => {
  for (const check of layerContract({
    create: () => new ReLU<'float64'>(),
    inputShapes: [
      [2, 3],
      [5, 4],
      [2, 3, 2],
    ],
    input: awayFromZero(),
    values: [
      {
        input: tensor([[-2, -0.5, 0, 1.5]], 'float64'),
        output: tensor([[0, 0, 0, 1.5]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('ReLU', () => {
  it('is max(x, 0) and passes the gradient where x ≥ 0 (including exactly 0, as in the paper)', () => {
    const relu = new ReLU<'float32'>();
    const x = tensor([[-2, -0.5, 0, 0.5, 3]]);
    expect(relu.forward(x, ctx).toArray()).toEqual([[0, 0, 0, 0.5, 3]]);
    const g = tensor([[10, 20, 30, 40, 50]]);
    expect(relu.backward(g).toArray()).toEqual([[0, 0, 30, 40, 50]]);
    expect(g.toArray()).toEqual([[10, 20, 30, 40, 50]]);
    expect(x.toArray()).toEqual([[-2, -0.5, 0, 0.5, 3]]);
  });

  it('propagates NaN instead of hiding it', () => {
    expect(new ReLU().forward(tensor([Number.NaN, -1]), ctx).toArray()).toEqual([Number.NaN, 0]);
  });

  it('reuses its buffers while the shape is unchanged and follows a new shape', () => {
    const relu = new ReLU<'float32'>();
    const y1 = relu.forward(zeros([4, 3]), ctx);
    const g1 = relu.backward(zeros([4, 3]));
    expect(relu.forward(zeros([4, 3]), ctx)).toBe(y1);
    expect(relu.backward(zeros([4, 3]))).toBe(g1);
    expect(relu.forward(tensor([[-1, 2]]), ctx).toArray()).toEqual([[0, 2]]);
  });

  it('rejects int32 input and a mismatched gradient, naming the layer', () => {
    const relu = new ReLU();
    expect(() => relu.forward(zeros([2], 'int32') as never, ctx)).toThrow(
      'ReLU: input must be a float32 or float64 tensor, got int32 [2]',
    );
    relu.forward(zeros([2, 2]), ctx);
    expect(() => relu.backward(zeros([2, 2], 'float64'))).toThrow(
      'ReLU: backward got a float64 gradient for a float32 output',
    );
  });
});
