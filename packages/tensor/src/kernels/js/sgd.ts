import type { FloatArray } from '../../dtype.js';

/** The reference plain SGD step in JS (any float arrays, float64 per element): θ ← θ − lr·g. */
export function jsSgd(value: FloatArray, grad: FloatArray, lr: number): void {
  const n = value.length;
  for (let j = 0; j < n; j++) value[j] = (value[j] as number) - lr * (grad[j] as number);
}
