import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { bareOptimizer, lrSequence, pytorchCosine } from './test-support.js';

describe('CosineAnnealingLR', () => {
  it.each([
    [0.1, 50, 0],
    [0.1, 30, 0.001],
    [1, 7, 0.2],
  ])(
    'matches PyTorch over 100 epochs, past tMax too (base %f, tMax %i, etaMin %f)',
    (base, tMax, etaMin) => {
      const scheduler = new CosineAnnealingLR(bareOptimizer(base), { tMax, etaMin });
      const actual = lrSequence(scheduler, 100);
      const expected = pytorchCosine(base, tMax, etaMin, 100);
      // Near the bottom the rates are tiny: measure relative to at least base · 1e-3.
      const worst = Math.max(
        ...actual.map(
          (a, i) =>
            Math.abs(a - (expected[i] as number)) /
            Math.max(Math.abs(expected[i] as number), base * 1e-3),
        ),
      );
      expect(worst).toBeLessThan(1e-9);
      expect(actual[tMax]).toBeCloseTo(etaMin, 12);
      expect(actual[0]).toBe(base);
    },
  );

  it('rejects a non-positive or fractional tMax', () => {
    const o = bareOptimizer(0.1);
    expect(() => new CosineAnnealingLR(o, { tMax: 0 })).toThrow(
      /CosineAnnealingLR: tMax must be an integer >= 1, got 0/,
    );
    expect(() => new CosineAnnealingLR(o, { tMax: 1.5 })).toThrow(/tMax/);
    expect(() => new CosineAnnealingLR(o, { tMax: 10, etaMin: -1 })).toThrow(/etaMin/);
  });
});
