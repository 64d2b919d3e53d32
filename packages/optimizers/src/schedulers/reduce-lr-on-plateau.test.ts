import { createRng, randomNormal } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
import { bareOptimizer, maxRelativeError } from './test-support.js';

/** PyTorch's ReduceLROnPlateau.step, transcribed over plain variables. */
function pytorchPlateau(base: number, o: ReduceLROnPlateauOptions, metrics: number[]): number[] {
  const mode = o.mode ?? 'min';
  const factor = o.factor ?? 0.1;
  const patience = o.patience ?? 10;
  const threshold = o.threshold ?? 1e-4;
  const thresholdMode = o.thresholdMode ?? 'rel';
  const cooldown = o.cooldown ?? 0;
  const minLr = o.minLr ?? 0;
  const eps = o.eps ?? 1e-8;
  let lr = base;
  let best = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  let numBad = 0;
  let cooldownCounter = 0;
  const isBetter = (a: number): boolean => {
    if (mode === 'min' && thresholdMode === 'rel') return a < best * (1 - threshold);
    if (mode === 'min' && thresholdMode === 'abs') return a < best - threshold;
    if (mode === 'max' && thresholdMode === 'rel') return a > best * (threshold + 1);
    return a > best + threshold;
  };
  return metrics.map((current) => {
    if (isBetter(current)) {
      best = current;
      numBad = 0;
    } else {
      numBad += 1;
    }
    if (cooldownCounter > 0) {
      cooldownCounter -= 1;
      numBad = 0;
    }
    if (numBad > patience) {
      const newLr = Math.max(lr * factor, minLr);
      if (lr - newLr > eps) lr = newLr;
      cooldownCounter = cooldown;
      numBad = 0;
    }
    return lr;
  });
}

/** A noisy loss that improves, then plateaus, then improves a little again. */
function lossCurve(n: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const trend = i < 30 ? 2 - i * 0.05 : i < 70 ? 0.5 : 0.5 - (i - 70) * 0.002;
    return trend + 0.01 * randomNormal(rng);
  });
}

function run(base: number, options: ReduceLROnPlateauOptions, metrics: number[]): number[] {
  const optimizer = bareOptimizer(base);
  const scheduler = new ReduceLROnPlateau(optimizer, options);
  return metrics.map((m) => {
    scheduler.step(m);
    return optimizer.lr;
  });
}

describe('ReduceLROnPlateau', () => {
  it.each<[string, ReduceLROnPlateauOptions]>([
    ['defaults', {}],
    ['patience 3, factor 0.5, cooldown 2', { patience: 3, factor: 0.5, cooldown: 2 }],
    [
      'absolute threshold 0.05, minLr 0.004',
      { thresholdMode: 'abs', threshold: 0.05, patience: 2, minLr: 0.004 },
    ],
    ['eps larger than the reduction', { patience: 1, factor: 0.9, eps: 0.005 }],
  ])('matches PyTorch on a noisy loss curve (%s)', (_label, options) => {
    const metrics = lossCurve(120, 3);
    const actual = run(0.1, options, metrics);
    const expected = pytorchPlateau(0.1, options, metrics);
    expect(maxRelativeError(actual, expected)).toBe(0);
    expect(new Set(expected).size).toBeGreaterThan(1);
  });

  it('matches PyTorch in max mode on an accuracy curve', () => {
    const accuracy = lossCurve(100, 5).map((x) => 1 - x / 2);
    const options: ReduceLROnPlateauOptions = { mode: 'max', patience: 4, factor: 0.2 };
    const actual = run(1, options, accuracy);
    const expected = pytorchPlateau(1, options, accuracy);
    expect(actual).toEqual(expected);
    expect(new Set(expected).size).toBeGreaterThan(1);
  });

  it('reduces after more than `patience` epochs without improvement', () => {
    // Epoch 1 sets best = 1; epochs 2, 3, 4 are bad; the third bad one exceeds patience 2.
    expect(run(1, { patience: 2, factor: 0.5 }, [1, 1, 1, 1, 1])).toEqual([1, 1, 1, 0.5, 0.5]);
  });

  it('requires a number metric and rejects bad settings', () => {
    const o = bareOptimizer(0.1);
    const s = new ReduceLROnPlateau(o);
    expect(() => s.step()).toThrow(
      /ReduceLROnPlateau.step: expected the monitored metric as a number, got undefined/,
    );
    expect(() => s.step(Number.NaN)).toThrow(/got NaN/);
    expect(s.lastEpoch).toBe(0);
    expect(() => new ReduceLROnPlateau(o, { factor: 1 })).toThrow(/factor must be < 1/);
    expect(() => new ReduceLROnPlateau(o, { mode: 'mni' as 'min' })).toThrow(
      /mode must be one of "min", "max", got "mni"/,
    );
    expect(() => new ReduceLROnPlateau(o, { patience: -1 })).toThrow(/patience/);
  });
});
