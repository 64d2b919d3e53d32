import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitWork } from './split.js';

describe('splitWork', () => {
  it('covers C exactly once with tile-aligned blocks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 8 }),
        (m, n, parts) => {
          const blocks = splitWork(m, n, parts);
          expect(blocks.length).toBeGreaterThanOrEqual(1);
          expect(blocks.length).toBeLessThanOrEqual(parts);
          const hits = new Uint8Array(m * n);
          for (const [i0, i1, j0, j1] of blocks) {
            expect(i0 < i1 && j0 < j1).toBe(true);
            if (i1 < m) expect(i1 % 4).toBe(0);
            if (j1 < n) expect(j1 % 8).toBe(0);
            for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) hits[i * n + j]! += 1;
          }
          expect(hits.every((h) => h === 1)).toBe(true);
        },
      ),
    );
  });

  it('splits the larger dimension', () => {
    expect(splitWork(64, 128, 2)).toEqual([
      [0, 64, 0, 64],
      [0, 64, 64, 128],
    ]);
    expect(splitWork(784, 128, 2)).toEqual([
      [0, 392, 0, 128],
      [392, 784, 0, 128],
    ]);
  });
});
