import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Sigmoid } from './sigmoid.js';
import { layerContract } from './testing/index.js';

const ctx = { training: false };

describe('Sigmoid: contract', () => {
  for (const check of layerContract({
    create: () => new Sigmoid<'float64'>(),
    inputShapes: [
      [2, 3],
      [4, 1],
      [2, 2, 3],
    ],
    // σ(0) = 1/2, σ(ln 3) = 3/4, σ(−ln 3) = 1/4.
    values: [
      {
        input: tensor([[0, Math.log(3), -Math.log(3)]], 'float64'),
        output: tensor([[0.5, 0.75, 0.25]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('Sigmoid', () => {
  it('computes 1/(1+e^−x) and σ(1−σ) on known values', () => {
    const s = new Sigmoid<'float64'>();
    const y = s.forward(tensor([0, Math.log(3), -Math.log(3)], 'float64'), ctx);
    expect(y.data[0]).toBe(0.5);
    expect(y.data[1]).toBeCloseTo(0.75, 15);
    expect(y.data[2]).toBeCloseTo(0.25, 15);
    const g = s.backward(tensor([4, 1, 1], 'float64'));
    expect(g.data[0]).toBe(1); // 4 · 0.5 · 0.5
    expect(g.data[1]).toBeCloseTo(0.1875, 15);
    expect(g.data[2]).toBeCloseTo(0.1875, 15);
  });

  it('stays finite for huge inputs in float32', () => {
    const y = new Sigmoid<'float32'>().forward(tensor([-1e4, 1e4, -100, 100]), ctx);
    expect(Array.from(y.data)).toEqual([0, 1, expect.closeTo(0, 40), 1]);
  });
});
