import type { FloatArray } from '../dtype.js';
import { float32Kernels } from './fused-kernels.js';
import { jsSgd } from './js-sgd.js';

/**
 * Arrays shorter than this use the JS loop even on a wasm backend: for a bias vector the copies
 * and the call cost more than the loop.
 */
export const MIN_WASM_SGD_LENGTH = 256;

/**
 * One plain SGD step for one parameter, in place: θ ← θ − lr·g (the building block of an SGD
 * optimizer without momentum or weight decay). `grad` is only read; both arrays have one length
 * and one type and must not overlap. float32 arrays of at least 256 elements run on the backend's
 * SIMD kernel when it has one (wasm), which computes in float64 and rounds once like the JS loop
 * used otherwise: the same bits either way.
 */
export function fusedSgdUpdate(value: FloatArray, grad: FloatArray, lr: number): void {
  if (grad.constructor !== value.constructor) {
    throw new TypeError(
      `fusedSgdUpdate: grad is a ${grad.constructor.name}, value is a ${value.constructor.name}`,
    );
  }
  if (grad.length !== value.length) {
    throw new RangeError(
      `fusedSgdUpdate: grad has ${grad.length} elements, value has ${value.length}`,
    );
  }
  if (!Number.isFinite(lr)) {
    throw new RangeError(`fusedSgdUpdate: lr is ${lr}, expected a finite number`);
  }
  const k = float32Kernels(value, MIN_WASM_SGD_LENGTH);
  if (k?.sgd !== undefined) {
    k.sgd(value as Float32Array, grad as Float32Array, lr);
    return;
  }
  jsSgd(value, grad, lr);
}
