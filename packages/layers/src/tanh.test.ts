import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Tanh } from './tanh.js';
import { layerContract } from './testing/index.js';

const ctx = { training: false };

describe('Tanh: contract', () => {
  for (const check of layerContract({
    create: () => new Tanh<'float64'>(),
    inputShapes: [
      [2, 3],
      [5, 2],
    ],
    // tanh(ln 2) = (2 − 1/2)/(2 + 1/2) = 3/5.
    values: [
      {
        input: tensor([[0, Math.log(2), -Math.log(2)]], 'float64'),
        output: tensor([[0, 0.6, -0.6]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('Tanh', () => {
  it('computes tanh and 1 − tanh² on known values', () => {
    const t = new Tanh<'float64'>();
    // tanh(ln 2) = (2 − 1/2) / (2 + 1/2) = 0.6
    const y = t.forward(tensor([0, Math.log(2), 1e4], 'float64'), ctx);
    expect(y.data[0]).toBe(0);
    expect(y.data[1]).toBeCloseTo(0.6, 15);
    expect(y.data[2]).toBe(1);
    const g = t.backward(tensor([2, 1, 5], 'float64'));
    expect(g.data[0]).toBe(2);
    expect(g.data[1]).toBeCloseTo(0.64, 15);
    expect(g.data[2]).toBe(0);
  });
});
