import { describe, expect, it } from 'vitest';
import { LinearLR } from './linear-lr.js';
import { bareOptimizer, lrSequence, maxRelativeError, pytorchLinear } from './test-support.js';

describe('LinearLR', () => {
  it.each([
    [0.1, 1 / 3, 1, 5],
    [0.01, 0.1, 1, 10],
    [0.5, 1, 0.25, 20],
  ])(
    'matches PyTorch over 100 epochs (base %f, start %f, end %f, totalIters %i)',
    (base, start, end, totalIters) => {
      const scheduler = new LinearLR(bareOptimizer(base), {
        startFactor: start,
        endFactor: end,
        totalIters,
      });
      const actual = lrSequence(scheduler, 100);
      expect(
        maxRelativeError(actual, pytorchLinear(base, start, end, totalIters, 100)),
      ).toBeLessThan(1e-12);
    },
  );

  it('warms up from lr/3 to lr over 5 epochs by default', () => {
    const optimizer = bareOptimizer(0.3);
    const actual = lrSequence(new LinearLR(optimizer), 6);
    const expected = [0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3];
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-12);
  });

  it('rejects factors PyTorch rejects', () => {
    const o = bareOptimizer(0.1);
    expect(() => new LinearLR(o, { startFactor: 0 })).toThrow(/startFactor must be > 0/);
    expect(() => new LinearLR(o, { startFactor: 1.5 })).toThrow(
      /startFactor must be a number in \[0, 1\]/,
    );
    expect(() => new LinearLR(o, { endFactor: -0.5 })).toThrow(/endFactor/);
    expect(() => new LinearLR(o, { totalIters: 0 })).toThrow(/totalIters/);
  });
});
