import { shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

/** Tolerances of `allClose`: |a − b| ≤ atol + rtol·|b| element-wise. */
export interface AllCloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number | undefined;
  /** Absolute tolerance (default 1e-8). */
  atol?: number | undefined;
}

/**
 * Whether two tensors have the same shape and |a − b| ≤ atol + rtol·|b| everywhere (NumPy's
 * rule). NaN is never close to anything; infinities are close only to themselves.
 */
export function allClose(a: Tensor, b: Tensor, options: AllCloseOptions = {}): boolean {
  const { rtol = 1e-5, atol = 1e-8 } = options;
  if (!shapesEqual(a.shape, b.shape)) return false;
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i] as number;
    const y = b.data[i] as number;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return false;
  }
  return true;
}
