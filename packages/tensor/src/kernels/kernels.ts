import type { FloatArray } from '../dtype.js';

/**
 * The small interface every compute backend implements (internal; not exported from the
 * package root). All arrays are row-major and contiguous. A backend may handle only float32
 * (the wasm kernels do); ops fall back to the JS kernels for float64.
 */
export interface Kernels {
  /** A short name for logs and benchmarks, e.g. `js`, `wasm-simd`, `wasm-relaxed-simd`. */
  readonly name: string;
  /** Whether this backend computes in the given array type. */
  supports(array: FloatArray): boolean;
  /**
   * C = op(A)·op(B) (+ C when `accumulate`), with C of m×n and inner dimension k.
   * A is stored m×k, or k×m when `transA`; B is stored k×n, or n×k when `transB`.
   * `c` must not alias `a` or `b`.
   */
  matmul(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
  ): void;
}
