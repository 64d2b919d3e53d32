import type { FloatArray } from '../../dtype.js';
import type { AdamCoefficients } from '../kernels.js';

/**
 * The reference Adam/AdamW step in plain JS (any float arrays, computed in float64 per element):
 *
 *     θ ← θ·shrink;  g ← g + l2·θ
 *     m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *     s ← v, or with AMSGrad: v̂max ← max(v̂max, v); s ← v̂max
 *     θ ← θ − stepSize·m / (√s / bc2Sqrt + ε)
 */
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
    const mj = beta1 * (m[j] as number) + (1 - beta1) * g;
    const vj = beta2 * (v[j] as number) + (1 - beta2) * g * g;
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
