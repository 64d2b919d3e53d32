import { describe, expect, it } from 'vitest';
import { planSamples, type TrainingBudget } from './training-config.js';

const budget: TrainingBudget = {
  runs: 3,
  warmupBatches: 3,
  warmupSeconds: 3,
  maxEpochSeconds: 60,
  subsetSeconds: 20,
  minBatches: 4,
  maxSamples: 0,
};

describe('planSamples', () => {
  it('runs the whole epoch when it fits the time budget', () => {
    expect(planSamples(60_000, 64, 1_000, budget)).toBe(60_000);
    expect(planSamples(60_000, 64, 50_000, budget)).toBe(60_000);
  });

  it('runs whole batches filling the subset time when the epoch would be too slow', () => {
    // 820 samples/s × 20 s = 16,400 samples = 256.25 batches of 64 → 256 batches.
    expect(planSamples(60_000, 64, 820, budget)).toBe(256 * 64);
  });

  it('never runs fewer than minBatches batches', () => {
    expect(planSamples(60_000, 256, 10, budget)).toBe(4 * 256);
  });

  it('honours the --quick cap', () => {
    expect(planSamples(60_000, 64, 50_000, { ...budget, maxSamples: 6_400 })).toBe(6_400);
  });
});
