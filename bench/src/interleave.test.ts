import { describe, expect, it } from 'vitest';
import { interleave, roundOrder } from './interleave.js';

describe('roundOrder', () => {
  it('goes forward in even rounds and backward in odd ones', () => {
    expect(roundOrder(3, 0)).toEqual([0, 1, 2]);
    expect(roundOrder(3, 1)).toEqual([2, 1, 0]);
    expect(roundOrder(3, 2)).toEqual([0, 1, 2]);
    expect(roundOrder(1, 5)).toEqual([0]);
    expect(roundOrder(0, 0)).toEqual([]);
  });

  it('rejects a negative or fractional count or round', () => {
    expect(() => roundOrder(-1, 0)).toThrow(/count/);
    expect(() => roundOrder(2, 0.5)).toThrow(/round/);
  });
});

describe('interleave', () => {
  it('gives every system one turn per round, in round order, and keeps results per system', async () => {
    const calls: string[] = [];
    const results = await interleave(3, 3, async (system, round) => {
      calls.push(`${system}@${round}`);
      return system * 10 + round;
    });
    expect(calls).toEqual(['0@0', '1@0', '2@0', '2@1', '1@1', '0@1', '0@2', '1@2', '2@2']);
    expect(results).toEqual([
      [0, 1, 2],
      [10, 11, 12],
      [20, 21, 22],
    ]);
  });

  it('spreads a linear drift evenly: over two rounds every system sees the same mean time', async () => {
    let clock = 0;
    const results = await interleave(4, 2, () => clock++);
    const means = results.map((r) => r.reduce((a, b) => a + b, 0) / r.length);
    expect(new Set(means).size).toBe(1);
  });
});
