import type { FloatArray } from '../dtype.js';

/**
 * One matrix product, the job every kernel path takes: C = op(A)·op(B) (+ C when `accumulate`),
 * with C of m×n and inner dimension k. A is stored m×k, or k×m when `transA`; B is stored k×n, or
 * n×k when `transB`; all row-major and contiguous, and C must not overlap A or B. The operands are
 * arrays for the JS kernels and byte offsets into linear memory for the wasm ones.
 */
export interface GemmJob<T = FloatArray> {
  a: T;
  b: T;
  c: T;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  /** What is done to C once its sum is complete (see `Epilogue`); none when absent or 0. */
  epilogue?: Epilogue | undefined;
  /** The epilogue's operand: the bias (n values) or the mask (m×n, like C). */
  operand?: T | undefined;
}

/**
 * A product's epilogue, applied to C where it is still in cache:
 * - `1` bias: c += bias[j];
 * - `2` bias and ReLU: v = c + bias[j] + 0; c = v < 0 ? −0 : v (NaN stays NaN). Negative inputs
 *   give −0 and zero inputs +0, so kind 3 can tell x ≥ 0 from x < 0 by the sign alone;
 * - `3` ReLU's backward: c stays where the mask (a kind-2 output) is +0 or positive, else 0
 *   (Relu′(x) = 1 for x ≥ 0, the paper's convention).
 */
export type Epilogue = 0 | 1 | 2 | 3;

/** The epilogue kinds by name. */
export const EPILOGUE = { none: 0, bias: 1, biasRelu: 2, reluMask: 3 } as const;

/** A block C[i0:i1, j0:j1] of a product's result: [i0, i1, j0, j1]. */
export type Block = [number, number, number, number];

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

/**
 * The kernels of one backend (internal), over arrays of type `A`. Each returns false when it could
 * not run the call (its memory could not grow): the engine then runs the JS kernel instead.
 */
export interface Kernels<A extends FloatArray = FloatArray> {
  /** `js`, `wasm-simd` or `wasm-relaxed-simd`. */
  readonly name: string;
  matmul(job: GemmJob<A>): boolean;
  /** One Adam/AdamW step over arrays of one length (see `fusedAdamUpdate`). */
  adam(value: A, grad: A, m: A, v: A, vMax: A | undefined, c: AdamCoefficients): boolean;
  /** One plain SGD step θ ← θ − lr·g over arrays of one length (see `fusedSgdUpdate`). */
  sgd(value: A, grad: A, lr: number): boolean;
}
