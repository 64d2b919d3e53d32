import fc from 'fast-check';
import { expect } from 'vitest';
import type { FloatDType } from '../dtype.js';
import { createRng } from '../random.js';
import type { GemmJob } from './kernels.js';

/**
 * The conformance suite every matmul kernel path passes (used by the kernel tests only): results
 * against a naive float64 triple loop, within the rounding bound of a length-k dot product in the
 * operands' precision (float32 or float64).
 */

/** A way of running a product: a kernel, or an engine (which dispatches by size and type). */
export interface MatmulPath {
  name: string;
  run(job: GemmJob): void;
}

export interface MatmulCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  seed: number;
  /** Operand type (default float32). */
  dtype?: FloatDType;
}

type Floats = Float32Array | Float64Array;

function randomArray(length: number, seed: number, dtype: FloatDType): Floats {
  const rng = createRng(seed);
  const out = dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** Element-wise identity (a plain loop: vitest's deep equality is slow on large typed arrays). */
function sameBits(x: Floats, y: Floats): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  return true;
}

/**
 * Runs one case through `path` and checks every element of C: |c − ref| ≤ 2(k+2)·u·Σ|a||b| +
 * u·|c₀| (u = 2⁻²⁴ for float32, 2⁻⁵³ for float64), the worst-case float32 rounding of the products, the sum and the final
 * addition, computed per element in float64. A wrong index or a missed edge is off by O(1).
 * Also checks that A and B were not modified and that nothing past m·n in C was written.
 */
export function checkMatmul(path: MatmulPath, c: MatmulCase): void {
  const { m, n, k, transA, transB, accumulate, seed, dtype = 'float32' } = c;
  const U = dtype === 'float64' ? 2 ** -53 : 2 ** -24;
  const a = randomArray(m * k, seed, dtype);
  const b = randomArray(k * n, seed + 1, dtype);
  const a0 = a.slice();
  const b0 = b.slice();
  // C lives inside a larger buffer, offset, so a kernel writing out of bounds is caught.
  const guard = 5;
  const backing = randomArray(m * n + 2 * guard, seed + 2, dtype);
  const before = backing.slice();
  const out = backing.subarray(guard, guard + m * n);
  path.run({ a, b, c: out, m, n, k, transA, transB, accumulate });
  expect(sameBits(a, a0), 'A unchanged').toBe(true);
  expect(sameBits(b, b0), 'B unchanged').toBe(true);
  expect(sameBits(backing.subarray(0, guard), before.subarray(0, guard)), 'C guard').toBe(true);
  expect(sameBits(backing.subarray(guard + m * n), before.subarray(guard + m * n)), 'C guard').toBe(
    true,
  );
  // Logical A (m×k) and Bᵀ (n×k) in float64, contiguous, so the reference is a plain dot product.
  const la = new Float64Array(m * k);
  const lb = new Float64Array(n * k);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) la[i * k + p] = (transA ? a[p * m + i] : a[i * k + p]) as number;
  }
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) lb[j * k + p] = (transB ? b[j * k + p] : b[p * n + j]) as number;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let mag = 0;
      const ai = i * k;
      const bj = j * k;
      for (let p = 0; p < k; p++) {
        const t = (la[ai + p] as number) * (lb[bj + p] as number);
        s += t;
        mag += Math.abs(t);
      }
      const c0 = before[guard + i * n + j] as number;
      const want = accumulate ? s + c0 : s;
      const tol = 2 * (k + 2) * U * mag + (accumulate ? 2 * U * Math.abs(c0) : 0) + 1e-30;
      const got = out[i * n + j] as number;
      if (!(Math.abs(got - want) <= tol)) {
        throw new Error(
          `${path.name} matmul (${dtype}) m=${m} n=${n} k=${k} transA=${transA} transB=${transB} accumulate=${accumulate}: C[${i},${j}] = ${got}, expected ${want} ± ${tol}`,
        );
      }
    }
  }
}

/** fast-check generator of cases up to `max` in each dimension, with all flag combinations. */
export function matmulCases(max: number): fc.Arbitrary<MatmulCase> {
  const dim = fc.oneof(
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max }),
    fc.constantFrom(1, 3, 4, 5, 7, 8, 9, 15, 16, 17),
  );
  return fc.record({
    m: dim,
    n: dim,
    k: dim,
    transA: fc.boolean(),
    transB: fc.boolean(),
    accumulate: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
}

/** Shapes every path must get right: empty, tiny, vectors, and sizes past each block size. */
export const edgeShapes: ReadonlyArray<[number, number, number]> = [
  [0, 5, 3],
  [5, 0, 3],
  [4, 6, 0],
  [1, 1, 1],
  [1, 17, 1],
  [1, 33, 9],
  [33, 1, 9],
  [19, 23, 1],
  [64, 128, 784],
  [784, 128, 64],
  [64, 784, 128],
  [67, 9, 261],
  [70, 1030, 260],
  [12, 16, 519], // k blocks of 173 (not a multiple of 4): tails of the 4×4 transposed packing
];

/**
 * Checks `path` on every edge shape with every combination of transposes and accumulation,
 * seeding the operands from `seed` upwards.
 */
export function checkEdgeShapes(path: MatmulPath, seed: number, dtype?: FloatDType): void {
  let next = seed;
  for (const [m, n, k] of edgeShapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const accumulate of [false, true]) {
          checkMatmul(path, { m, n, k, transA, transB, accumulate, seed: next++, dtype });
        }
      }
    }
  }
}
