import type { DType } from '../dtype.js';
import { getEngine } from '../engine/registry.js';
import { formatShape, ShapeError } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { prepareOut } from './broadcast.js';

/**
 * The transpose of a 2-D tensor, as a new contiguous tensor (or into `out`). Matmul takes
 * transpose flags, so backward passes do not need this.
 */
export function transpose<D extends DType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> {
  if (a.rank !== 2)
    throw new ShapeError(`transpose: expected a 2-D tensor, got ${formatShape(a.shape)}`);
  const [r, c] = a.shape as [number, number];
  const res = prepareOut('transpose', a.dtype, [c, r], out);
  if (a.size > 1 && getEngine().overlapping(res.data, a.data)) {
    throw new RangeError('transpose: out must not overlap the input');
  }
  const x = a.data;
  const y = res.data;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) y[j * r + i] = x[i * c + j] as number;
  return res;
}
