import { describe, expect, it } from 'vitest';
import { median, summarize } from './stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, regardless of order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([2, 9, 4, 7, 1])).toBe(4);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not reorder the caller array', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects empty and non-finite input with a clear error', () => {
    expect(() => median([])).toThrow(/no values/);
    expect(() => median([1, Number.NaN])).toThrow(/non-finite value NaN/);
  });
});

describe('summarize', () => {
  it('reports median, min, max and the run count', () => {
    expect(summarize([10, 30, 20, 50, 40])).toEqual({ median: 30, min: 10, max: 50, runs: 5 });
  });
});
