import type { FloatArray } from '../dtype.js';
import { float32Kernels } from './fused-kernels.js';
import { jsAdam } from './js-adam.js';
import type { AdamCoefficients } from './kernels.js';

/**
 * Arrays shorter than this use the JS loop even on a wasm backend: for a bias vector the copies
 * and the call cost more than the loop.
 */
export const MIN_WASM_ADAM_LENGTH = 256;

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
 * overlap. float32 arrays run on the backend's fused kernel when it has one (wasm SIMD), within
 * float32 rounding of the JS loop used otherwise.
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
  others.forEach((array, i) => {
    if (array === undefined) return;
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
  });
  for (const key of COEFFICIENTS) {
    if (!Number.isFinite(c[key])) {
      throw new RangeError(
        `fusedAdamUpdate: coefficient ${key} is ${c[key]}, expected a finite number`,
      );
    }
  }
  const k = float32Kernels(value, MIN_WASM_ADAM_LENGTH);
  if (k?.adam !== undefined) {
    k.adam(
      value as Float32Array,
      grad as Float32Array,
      m as Float32Array,
      v as Float32Array,
      vMax as Float32Array | undefined,
      c,
    );
    return;
  }
  jsAdam(value, grad, m, v, vMax, c);
}
