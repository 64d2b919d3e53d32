import { describe, expect, it } from 'vitest';
import { formatEvaluation, summarize } from './evaluate.js';

describe('summarize', () => {
  it('counts a confusion matrix and per-class accuracy worked out by hand', () => {
    // true:      0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2   → class 0: 2/3, class 1: 1/2, class 2: 1/1; overall 4/6
    const e = summarize([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]);
    expect(e.accuracy).toBeCloseTo(4 / 6, 12);
    expect(e.samples).toBe(6);
    expect(e.confusion[0]?.slice(0, 3)).toEqual([2, 1, 0]);
    expect(e.confusion[1]?.slice(0, 3)).toEqual([0, 1, 1]);
    expect(e.confusion[2]?.slice(0, 3)).toEqual([0, 0, 1]);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(e.perClass.slice(0, 3)).toEqual([2 / 3, 1 / 2, 1]);
    expect(Number.isNaN(e.perClass[9])).toBe(true);
  });

  it('rejects labels and predictions of different lengths or out of range', () => {
    expect(() => summarize([0, 1], [0])).toThrow('summarize: 2 labels but 1 predictions');
    expect(() => summarize([0, 10], [0, 1])).toThrow(/label 10 or prediction 1 at 1/);
  });

  it('prints the matrix with the per-class accuracy and the overall accuracy', () => {
    const text = formatEvaluation(summarize([0, 0, 1], [0, 1, 1]));
    expect(text).toContain('Test accuracy: 66.67%');
    expect(text).toMatch(/^ +0 +1 +1 +0 .*50\.00%$/m);
    expect(text).toMatch(/^ +9 +0 .* -$/m);
  });
});
