import type { DType } from '../dtype.js';
import { allocate } from '../dtype.js';
import { formatShape, type Shape, ShapeError, shapesEqual, sizeOf, stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** For each flat index of `outShape`, the flat index of the broadcast element of `inShape`. */
export function broadcastOffsets(inShape: Shape, outShape: Shape): Int32Array {
  const rank = outShape.length;
  const size = sizeOf(outShape);
  const offsets = new Int32Array(size);
  const inStrides = stridesOf(inShape);
  const bs = new Array<number>(rank).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    const axis = rank - inShape.length + i;
    bs[axis] = inShape[i] === 1 ? 0 : (inStrides[i] as number);
  }
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let f = 0; f < size; f++) {
    offsets[f] = off;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax] = (idx[ax] as number) + 1;
      off += bs[ax] as number;
      if ((idx[ax] as number) < (outShape[ax] as number)) break;
      off -= (bs[ax] as number) * (outShape[ax] as number);
      idx[ax] = 0;
    }
  }
  return offsets;
}

/** Checks an `out` argument (shape and dtype) or allocates a fresh result. */
export function prepareOut<D extends DType>(
  op: string,
  dtype: D,
  shape: Shape,
  out: Tensor | undefined,
): Tensor<D> {
  if (out === undefined) return new Tensor(dtype, allocate(dtype, sizeOf(shape)), shape);
  if (out.dtype !== dtype) {
    throw new TypeError(`${op}: out has dtype ${out.dtype}, expected ${dtype}`);
  }
  if (!shapesEqual(out.shape, shape)) {
    throw new ShapeError(
      `${op}: out has shape ${formatShape(out.shape)}, expected ${formatShape(shape)}`,
    );
  }
  return out as Tensor<D>;
}
