import type { FloatDType } from './dtype.js';
import { allocate } from './dtype.js';
import { getEngine } from './engine/registry.js';
import { type Shape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A zero tensor whose data lives in the engine's memory when the backend allows it (float32 on a
 * wasm backend over a shared memory: see `engineInfo().resident`), so that matmul and the fused
 * optimizer updates use it where it is instead of copying it in and out. Elsewhere (float64, the
 * JS backend, a page without cross-origin isolation) it is an ordinary tensor.
 *
 * The memory is given back when the tensor becomes unreachable, or at once by
 * {@link releaseResident}. Keep the tensor, not only its `data`: a `data` array kept past its
 * tensor may be reused by the next resident allocation once the tensor is collected.
 */
export function residentZeros<D extends FloatDType = 'float32'>(
  shape: Shape,
  dtype?: D,
): Tensor<D> {
  const dt = (dtype ?? 'float32') as D;
  const size = sizeOf(shape);
  if (dt !== 'float32') return new Tensor(dt, allocate(dt, size) as Tensor<D>['data'], shape);
  const engine = getEngine();
  // The array needs a holder before the tensor that will hold it exists.
  const pending = {};
  const data = engine.allocate(size, pending);
  const t = new Tensor(dt, data as Tensor<D>['data'], shape);
  engine.hold(data, t);
  engine.release(pending);
  return t;
}

/**
 * A resident copy of `t` (see {@link residentZeros}); `t` itself is not changed.
 */
export function residentCopy<D extends FloatDType>(t: Tensor<D>): Tensor<D> {
  const out = residentZeros(t.shape, t.dtype);
  (out.data as Float32Array | Float64Array).set(t.data);
  return out;
}

/**
 * Gives the engine memory of a tensor from {@link residentZeros} back now, instead of when the
 * tensor is collected. The tensor's data must not be used afterwards. Does nothing for a tensor
 * that is not resident, or was already released.
 */
export function releaseResident(t: Tensor): void {
  getEngine().release(t);
}
