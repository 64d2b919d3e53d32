import type { DType } from '../dtype.js';
import { broadcastShapes, formatShape } from '../shape.js';
import { isTensor, type Tensor } from '../tensor.js';
import { broadcastOffsets, prepareOut } from './broadcast.js';

/**
 * Picks `a` where `condition` is non-zero and `b` elsewhere, with NumPy broadcasting across the
 * three. `a` and `b` share a dtype (the result's); the condition may be any dtype.
 */
export function where<D extends DType>(
  condition: Tensor,
  a: Tensor<D>,
  b: Tensor<D>,
  out?: Tensor<D>,
): Tensor<D> {
  for (const [name, t] of [
    ['condition', condition],
    ['a', a],
    ['b', b],
  ] as const) {
    if (!isTensor(t)) throw new TypeError(`where: ${name} must be a Tensor, got ${typeof t}`);
  }
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `where: dtypes differ: ${a.dtype} ${formatShape(a.shape)} and ${b.dtype} ${formatShape(b.shape)}`,
    );
  }
  const shape = broadcastShapes(
    broadcastShapes(condition.shape, a.shape, 'where'),
    b.shape,
    'where',
  );
  const res = prepareOut('where', a.dtype, shape, out);
  const oc = broadcastOffsets(condition.shape, shape);
  const oa = broadcastOffsets(a.shape, shape);
  const ob = broadcastOffsets(b.shape, shape);
  const c = condition.data;
  const r = res.data;
  for (let i = 0; i < r.length; i++) {
    r[i] =
      (c[oc[i] as number] as number) !== 0
        ? (a.data[oa[i] as number] as number)
        : (b.data[ob[i] as number] as number);
  }
  return res;
}
