import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { LeakyReLU } from './leaky-relu.js';
import { awayFromZero, layerContract } from './testing/index.js';

const ctx = { training: false };

describe('LeakyReLU: contract', () => {
  for (const check of layerContract({
    create: () => new LeakyReLU<'float64'>({ negativeSlope: 0.1 }),
    inputShapes: [
      [3, 2],
      [6, 5],
    ],
    input: awayFromZero(),
    values: [
      { input: tensor([[-2, -0.5, 3]], 'float64'), output: tensor([[-0.2, -0.05, 3]], 'float64') },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('LeakyReLU', () => {
  it('scales negatives by the slope in forward and backward (default 0.01; slope 1 at exactly 0)', () => {
    const layer = new LeakyReLU<'float64'>();
    expect(layer.name).toBe('LeakyReLU(0.01)');
    const x = tensor([-200, -1, 0, 4], 'float64');
    expect(layer.forward(x, ctx).toArray()).toEqual([-2, -0.01, 0, 4]);
    expect(layer.backward(tensor([1, 2, 3, 4], 'float64')).toArray()).toEqual([0.01, 0.02, 3, 4]);
  });

  it('rejects a slope outside [0, 1)', () => {
    expect(() => new LeakyReLU({ negativeSlope: -0.1 })).toThrow(
      'LeakyReLU: negativeSlope must be in [0, 1), got -0.1',
    );
    expect(() => new LeakyReLU({ negativeSlope: 1 })).toThrow(
      'LeakyReLU: negativeSlope must be in [0, 1), got 1',
    );
  });
});
