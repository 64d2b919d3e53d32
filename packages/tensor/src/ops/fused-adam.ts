import type { FloatArray } from '../dtype.js';
import { getEngine } from '../engine/registry.js';
import type { AdamCoefficients } from '../kernels/kernels.js';

const NAMES = ['grad', 'm', 'v', 'vMax'] as const;
const COEFFICIENTS = ['stepSize', 'beta1', 'beta2', 'bc2Sqrt', 'eps', 'l2', 'shrink'] as const;

/**
 * One Adam/AdamW step for one parameter, in place, in a single pass over memory (the building
 * block of an Adam optimizer; the caller owns the moment buffers and the step count):
 *
 *     θ ← θ·shrink;  g ← g + l2·θ
 *     m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *     s ← v, or with AMSGrad (vMax given): vMax ← max(vMax, v); s ← vMax
 *     θ ← θ − stepSize·m / (√s / bc2Sqrt + ε)
 *
 * with stepSize = lr/(1 − β1ᵗ) and bc2Sqrt = √(1 − β2ᵗ). Adam's L2 penalty is `l2 = λ`
 * (`shrink = 1`); AdamW's decoupled decay is `shrink = 1 − lr·λ` (`l2 = 0`). `value`, `m`, `v` and
 * `vMax` are updated; `grad` is only read. All arrays have one length and one type and must not
 * overlap. The engine runs long float32 arrays on its fused wasm SIMD kernel, within float32
 * rounding of the JS loop it uses otherwise (float64, short arrays, the JS backend).
 */
export function fusedAdamUpdate(
  value: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  c: AdamCoefficients,
): void {
  const others = [grad, m, v, vMax];
  for (let i = 0; i < others.length; i++) {
    const array = others[i];
    if (array === undefined) continue;
    const name = NAMES[i] as string;
    if (array.constructor !== value.constructor) {
      throw new TypeError(
        `fusedAdamUpdate: ${name} is a ${array.constructor.name}, value is a ${value.constructor.name}`,
      );
    }
    if (array.length !== value.length) {
      throw new RangeError(
        `fusedAdamUpdate: ${name} has ${array.length} elements, value has ${value.length}`,
      );
    }
  }
  for (const key of COEFFICIENTS) {
    if (!Number.isFinite(c[key])) {
      throw new RangeError(
        `fusedAdamUpdate: coefficient ${key} is ${c[key]}, expected a finite number`,
      );
    }
  }
  getEngine().adam(value, grad, m, v, vMax, c);
}
