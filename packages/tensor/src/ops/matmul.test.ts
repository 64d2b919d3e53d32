import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTypedArray, tensor, zeros } from '../creation.js';
import { matmul } from './matmul.js';

/** Naive float64 reference: C[i][j] = Σ_p A[i][p]·B[p][j] on logical (already transposed) matrices. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
}
const T = (m: number[][]): number[][] => m[0]!.map((_, j) => m.map((r) => r[j]!));

const matrix = (rows: number, cols: number) =>
  fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: cols, maxLength: cols }), {
    minLength: rows,
    maxLength: rows,
  });

describe('matmul', () => {
  it('multiplies 2x3 by 3x2 as worked out by hand', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(matmul(a, b).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  it('matches the naive reference for every transpose flag on random shapes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        (m, n, k, transA, transB) => {
          const gen = (r: number, c: number, seed: number) =>
            Array.from({ length: r }, (_, i) =>
              Array.from({ length: c }, (_, j) => ((i * 7 + j * 3 + seed) % 11) - 5),
            );
          const A = gen(m, k, 1);
          const B = gen(k, n, 2);
          const a = tensor(transA ? T(A) : A, 'float64');
          const b = tensor(transB ? T(B) : B, 'float64');
          expect(matmul(a, b, { transA, transB }).toArray()).toEqual(naive(A, B));
        },
      ),
    );
  });

  it('matches the reference on random values for each flag (fast-check matrices)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((m) =>
            fc
              .integer({ min: 1, max: 6 })
              .chain((k) =>
                fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(matrix(m, k), matrix(k, n))),
              ),
          ),
        fc.boolean(),
        fc.boolean(),
        ([A, B], transA, transB) => {
          const got = matmul(
            tensor(transA ? T(A) : A, 'float64'),
            tensor(transB ? T(B) : B, 'float64'),
            {
              transA,
              transB,
            },
          );
          expect(got.toArray()).toEqual(naive(A, B));
        },
      ),
    );
  });

  it('writes into out and accumulates when asked, leaving the inputs untouched', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([
      [1, 0],
      [0, 1],
    ]);
    const aCopy = a.clone();
    const out = zeros([2, 2]);
    const r = matmul(a, b, { out });
    expect(r).toBe(out);
    matmul(a, b, { out, accumulate: true });
    expect(out.toArray()).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(a.toArray()).toEqual(aCopy.toArray());
  });

  it('works on row views (batch slices) without copying', () => {
    const x = fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    const w = tensor([[1], [1]]);
    expect(matmul(x.rows(1, 3), w).toArray()).toEqual([[7], [11]]);
  });

  it('names the op and both shapes on mismatch', () => {
    const a = zeros([64, 784]);
    const b = zeros([128, 10]);
    expect(() => matmul(a, b)).toThrow('matmul: inner dimensions differ: [64,784] x [128,10]');
    expect(() =>
      matmul(zeros([2, 3]), zeros([2, 3]), { transB: true, out: zeros([3, 3]) }),
    ).toThrow('matmul: out has shape [3,3], expected [2,2]');
    expect(() => matmul(zeros([2]), zeros([2, 2]))).toThrow(
      'expected 2-D tensors, got [2] x [2,2]',
    );
    expect(() => matmul(zeros([2, 2]), zeros([2, 2], 'float64') as never)).toThrow('dtypes differ');
    expect(() => matmul(zeros([2, 2]), zeros([2, 2]), { accumulate: true })).toThrow(
      'accumulate needs an out',
    );
  });

  it('refuses an out that overlaps an operand', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(() => matmul(a, a, { out: a })).toThrow('must not overlap');
  });
});
