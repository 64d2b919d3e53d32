import { createRng, ones, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout } from './dropout.js';
import { layerContract } from './testing/index.js';

describe('Dropout: contract', () => {
  for (const check of layerContract({
    create: () => new Dropout<'float64'>(0.3),
    inputShapes: [
      [2, 3],
      [4, 5],
    ],
    values: [{ input: tensor([[1, -2, 3]], 'float64'), output: tensor([[1, -2, 3]], 'float64') }],
  })) {
    it(`evaluation mode: ${check.name}`, check.run);
  }
  for (const check of layerContract({
    create: () => new Dropout<'float64'>(0.3),
    inputShapes: [
      [2, 3],
      [4, 5],
    ],
    // A fresh generator with a fixed seed per forward: every forward draws the same mask.
    context: () => ({ training: true, rng: createRng(42) }),
  })) {
    it(`training mode: ${check.name}`, check.run);
  }
});

describe('Dropout', () => {
  it('drops about p of the elements in training and scales the rest by 1/(1−p)', () => {
    const d = new Dropout<'float32'>(0.25);
    const y = d.forward(ones([100, 100]), { training: true, rng: createRng(1) });
    let dropped = 0;
    for (const v of y.data) {
      if (v === 0) dropped++;
      else expect(v).toBeCloseTo(1 / 0.75, 6);
    }
    expect(dropped / y.size).toBeCloseTo(0.25, 1);
  });

  it('backward applies the mask of the last forward', () => {
    const d = new Dropout<'float64'>(0.5);
    const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]], 'float64');
    const y = d.forward(x, { training: true, rng: createRng(3) });
    const g = d.backward(ones([1, 8], 'float64'));
    for (let i = 0; i < 8; i++) {
      expect(g.data[i]).toBe(y.data[i] === 0 ? 0 : 2);
      expect(y.data[i]).toBe(y.data[i] === 0 ? 0 : 2 * (x.data[i] as number));
    }
  });

  it('is the identity in evaluation mode, and needs no generator there', () => {
    const d = new Dropout<'float32'>(0.9);
    const x = tensor([[1, -2, 3]]);
    expect(d.forward(x, { training: false }).toArray()).toEqual([[1, -2, 3]]);
    expect(d.backward(tensor([[4, 5, 6]])).toArray()).toEqual([[4, 5, 6]]);
  });

  it('draws the same mask from the same seed and another from another seed', () => {
    const mask = (seed: number) =>
      Array.from(
        new Dropout(0.5).forward(ones([1, 64]), { training: true, rng: createRng(seed) }).data,
      );
    expect(mask(5)).toEqual(mask(5));
    expect(mask(5)).not.toEqual(mask(6));
  });

  it('throws in training mode without a generator, and for p outside [0, 1)', () => {
    expect(() => new Dropout(0.5).forward(zeros([2, 2]), { training: true })).toThrow(
      'Dropout(0.5): training mode needs ctx.rng (a seeded generator) to draw the mask',
    );
    expect(() => new Dropout(1)).toThrow('Dropout: p must be in [0, 1), got 1');
    expect(() => new Dropout(-0.1)).toThrow('Dropout: p must be in [0, 1), got -0.1');
  });
});
