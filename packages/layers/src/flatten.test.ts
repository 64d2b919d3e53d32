import { arange, tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Flatten } from './flatten.js';
import { layerContract } from './testing/index.js';

const ctx = { training: false };

describe('Flatten: contract', () => {
  for (const check of layerContract({
    create: () => new Flatten<'float64'>(),
    inputShapes: [
      [2, 3, 4],
      [1, 5],
      [3, 2, 2, 2],
    ],
    values: [
      {
        input: tensor(
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
          'float64',
        ),
        output: tensor([[1, 2, 3, 4]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('Flatten', () => {
  it('turns [n, …] into [n, rest] as a view, and reshapes the gradient back', () => {
    const f = new Flatten<'float32'>();
    const x = arange(0, 24).reshape([2, 3, 4]);
    const y = f.forward(x, ctx);
    expect(y.shape).toEqual([2, 12]);
    expect(y.data).toBe(x.data);
    const g = f.backward(arange(0, 24).reshape([2, 12]));
    expect(g.shape).toEqual([2, 3, 4]);
    expect(g.get(1, 2, 3)).toBe(23);
  });

  it('returns the same view for the same input tensor (no allocation per step)', () => {
    const f = new Flatten<'float32'>();
    const x = tensor([[[1, 2]], [[3, 4]]]);
    expect(f.forward(x, ctx)).toBe(f.forward(x, ctx));
  });
});
