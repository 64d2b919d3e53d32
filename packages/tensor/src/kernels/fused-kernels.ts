import type { FloatArray } from '../dtype.js';
import { kernels } from './backend.js';
import type { Kernels } from './kernels.js';

/**
 * The current backend, when a fused optimizer step on `value` should run on it: a float32 array
 * of at least `minLength` elements (below that, the copies into wasm memory and the call cost more
 * than the JS loop) that the backend computes in. Undefined means: use the JS loop.
 */
export function float32Kernels(value: FloatArray, minLength: number): Kernels | undefined {
  if (!(value instanceof Float32Array) || value.length < minLength) return undefined;
  const k = kernels();
  return k.supports(value) ? k : undefined;
}
