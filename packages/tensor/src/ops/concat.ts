import type { DType } from '../dtype.js';
import { allocate } from '../dtype.js';
import { formatShape, normalizeAxis, ShapeError } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Joins tensors of one dtype along `axis` (default 0); all other dimensions must match. */
export function concat<D extends DType>(tensors: readonly Tensor<D>[], axis = 0): Tensor<D> {
  const first = tensors[0];
  if (first === undefined) throw new RangeError('concat: needs at least one tensor');
  const ax = normalizeAxis(axis, first.rank, 'concat');
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) {
      throw new TypeError(`concat: tensor ${i} is ${t.dtype}, tensor 0 is ${first.dtype}`);
    }
    if (t.rank !== first.rank || t.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
      throw new ShapeError(
        `concat: tensor ${i} has shape ${formatShape(t.shape)}, incompatible with ${formatShape(first.shape)} along axis ${ax}`,
      );
    }
    total += t.shape[ax] as number;
  }
  const shape = first.shape.slice();
  shape[ax] = total;
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= first.shape[i] as number;
  let inner = 1;
  for (let i = ax + 1; i < first.rank; i++) inner *= first.shape[i] as number;
  const data = allocate(first.dtype, outer * total * inner);
  let offset = 0;
  for (const t of tensors) {
    const chunk = (t.shape[ax] as number) * inner;
    for (let o = 0; o < outer; o++) {
      data.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset);
    }
    offset += chunk;
  }
  return new Tensor(first.dtype, data, shape);
}
