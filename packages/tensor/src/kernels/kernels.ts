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
  /**
   * Optional fused Adam/AdamW step over float32 arrays of equal length (see `fusedAdamUpdate`);
   * backends without it, and float64 arrays, use the JS loop.
   */
  adam?(
    value: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vMax: Float32Array | undefined,
    c: AdamCoefficients,
  ): void;
  /**
   * Optional plain SGD step over float32 arrays of equal length (see `fusedSgdUpdate`), giving
   * the same bits as the JS loop; backends without it, and float64 arrays, use the JS loop.
   */
  sgd?(value: Float32Array, grad: Float32Array, lr: number): void;
}

/**
 * The per-step numbers of one Adam/AdamW update (PyTorch's formulation), computed by the caller
 * from its hyperparameters and the step t ≥ 1.
 */
export interface AdamCoefficients {
  /** lr / (1 − β1ᵗ). */
  stepSize: number;
  beta1: number;
  beta2: number;
  /** √(1 − β2ᵗ). */
  bc2Sqrt: number;
  eps: number;
  /** Adam's L2 term λ (g ← g + λθ); 0 for none or for AdamW. */
  l2: number;
  /** AdamW's decoupled decay factor 1 − lr·λ (θ ← θ·shrink first); 1 for none. */
  shrink: number;
}
