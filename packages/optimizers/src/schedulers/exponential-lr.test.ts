import { describe, expect, it } from 'vitest';
import { ExponentialLR } from './exponential-lr.js';
import {
  bareOptimizer,
  lrSequence,
  maxRelativeError,
  pytorchExponentialLR,
} from './test-support.js';

describe('ExponentialLR', () => {
  it.each([
    [0.1, 0.95],
    [0.01, 0.5],
    [1, 1],
  ])('matches PyTorch over 100 epochs (base %f, gamma %f)', (base, gamma) => {
    const scheduler = new ExponentialLR(bareOptimizer(base), { gamma });
    const actual = lrSequence(scheduler, 100);
    expect(maxRelativeError(actual, pytorchExponentialLR(base, gamma, 100))).toBeLessThan(1e-12);
  });

  it('requires gamma', () => {
    expect(() => new ExponentialLR(bareOptimizer(0.1), {} as never)).toThrow(
      /ExponentialLR: gamma must be a finite number >= 0, got undefined/,
    );
  });
});
