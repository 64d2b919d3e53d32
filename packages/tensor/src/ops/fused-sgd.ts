import type { FloatArray } from '../dtype.js';
import { getEngine } from '../engine/registry.js';

/**
 * One plain SGD step for one parameter, in place: θ ← θ − lr·g (the building block of an SGD
 * optimizer without momentum or weight decay). `grad` is only read; both arrays have one length
 * and one type and must not overlap. The engine runs long float32 arrays on its wasm SIMD kernel,
 * which computes in float64 and rounds once like the JS loop used otherwise: the same bits either
 * way.
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
  getEngine().sgd(value, grad, lr);
}
