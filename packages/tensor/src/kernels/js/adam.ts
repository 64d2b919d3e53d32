import type { FloatArray } from '../../dtype.js';
import type { AdamCoefficients } from '../kernels.js';

/**
 * The reference Adam/AdamW step in plain JS (any float arrays, computed in float64 per element):
 *
 *     θ ← θ·shrink;  g ← g + l2·θ
 *     m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *     s ← v, or with AMSGrad: v̂max ← max(v̂max, v); s ← v̂max
 *     θ ← θ − stepSize·m / (√s / bc2Sqrt + ε)
 *
 * m and v whose magnitude falls below 2^-126 (the smallest normal float32) are stored as 0, on
 * every path and dtype: subnormal moments slow the wasm kernel down, and their part in θ's update
 * is far below θ's rounding.
 */
/** The smallest normal float32, 2^-126: moments below it are stored as 0. */
const TINY = 2 ** -126;

export function jsAdam(
  value: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  c: AdamCoefficients,
): void {
  const { stepSize, beta1, beta2, bc2Sqrt, eps, l2, shrink } = c;
  const n = value.length;
  for (let j = 0; j < n; j++) {
    const theta = (value[j] as number) * shrink;
    const g = (grad[j] as number) + l2 * theta;
    let mj = beta1 * (m[j] as number) + (1 - beta1) * g;
    let vj = beta2 * (v[j] as number) + (1 - beta2) * g * g;
    // Compared after rounding to float32 (as the wasm kernel compares); NaN compares false and
    // is kept.
    if (Math.abs(Math.fround(mj)) < TINY) mj = 0;
    if (Math.abs(Math.fround(vj)) < TINY) vj = 0;
    m[j] = mj;
    v[j] = vj;
    let s = v[j] as number;
    if (vMax !== undefined) {
      if (s > (vMax[j] as number)) vMax[j] = s;
      s = vMax[j] as number;
    }
    value[j] = theta - (stepSize * (m[j] as number)) / (Math.sqrt(s) / bc2Sqrt + eps);
  }
}
