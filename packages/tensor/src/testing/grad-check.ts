import { formatShape, ShapeError } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Options of `gradCheck`: the finite-difference step and the floor of the relative error. */
export interface GradCheckOptions {
  /** Finite-difference step (central differences). Default 1e-6. */
  eps?: number | undefined;
  /**
   * Floor of the relative error's denominator, so that gradients that are (nearly) zero are
   * compared absolutely: relError = |a − n| / max(|a|, |n|, minScale). Default 1e-4.
   */
  minScale?: number | undefined;
}

/** What `gradCheck` found: the worst relative error, where, and the two values there. */
export interface GradCheckResult {
  /** The worst relative error over all elements. */
  maxRelError: number;
  /** Where the worst error is (row-major indices into the checked tensor). */
  worstIndex: number[];
  /** The analytic and numerical values at the worst element. */
  analytic: number;
  numeric: number;
  /** How many elements were compared. */
  checked: number;
}

/**
 * Compares an analytic gradient with central finite differences in float64.
 *
 * `loss()` must compute a scalar from the current contents of `target`; `gradCheck` perturbs
 * `target.data` element by element (restoring each value afterwards) and compares
 * (loss(x + eps) − loss(x − eps)) / 2eps with `analytic`, which must have `target`'s shape.
 *
 * @example
 * const r = gradCheck(() => lossOf(x), x, analyticGradOfX);
 * expect(r.maxRelError).toBeLessThan(1e-6);
 */
export function gradCheck(
  loss: () => number,
  target: Tensor<'float64'>,
  analytic: Tensor<'float64'>,
  options: GradCheckOptions = {},
): GradCheckResult {
  const { eps = 1e-6, minScale = 1e-4 } = options;
  if (target.dtype !== 'float64' || analytic.dtype !== 'float64') {
    throw new TypeError(
      `gradCheck: target and analytic gradient must be float64 (got ${target.dtype} and ${analytic.dtype})`,
    );
  }
  if (
    target.size !== analytic.size ||
    target.rank !== analytic.rank ||
    target.shape.some((d, i) => d !== analytic.shape[i])
  ) {
    throw new ShapeError(
      `gradCheck: analytic gradient has shape ${formatShape(analytic.shape)} but the target has ${formatShape(target.shape)}`,
    );
  }
  const x = target.data;
  let worst = -1;
  let worstAt = 0;
  let worstA = 0;
  let worstN = 0;
  for (let i = 0; i < x.length; i++) {
    const orig = x[i] as number;
    x[i] = orig + eps;
    const up = loss();
    x[i] = orig - eps;
    const down = loss();
    x[i] = orig;
    const n = (up - down) / (2 * eps);
    const a = analytic.data[i] as number;
    if (!Number.isFinite(n) || !Number.isFinite(a)) {
      throw new RangeError(
        `gradCheck: non-finite gradient at flat index ${i}: analytic ${a}, numeric ${n}`,
      );
    }
    const rel = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), minScale);
    if (rel > worst) {
      worst = rel;
      worstAt = i;
      worstA = a;
      worstN = n;
    }
  }
  const worstIndex: number[] = [];
  let rest = worstAt;
  for (let axis = target.rank - 1; axis >= 0; axis--) {
    const d = target.shape[axis] as number;
    worstIndex.unshift(d === 0 ? 0 : rest % d);
    rest = d === 0 ? 0 : Math.floor(rest / d);
  }
  return {
    maxRelError: Math.max(worst, 0),
    worstIndex,
    analytic: worstA,
    numeric: worstN,
    checked: x.length,
  };
}
