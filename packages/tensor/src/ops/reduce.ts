import type { DType } from '../dtype.js';
import { formatShape, normalizeAxis, ShapeError } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { prepareOut } from './broadcast.js';

/** Options of the reductions (`sum`, `mean`, `max`, `min`, `argmax`): the axis, whether to keep it with size 1, and an `out` tensor. */
export interface ReduceOptions<D extends DType> {
  /** The axis to reduce (negative counts from the end); all elements when omitted. */
  axis?: number | undefined;
  /** Keep the reduced axis with length 1. */
  keepdims?: boolean | undefined;
  /** Write the result here instead of allocating. */
  out?: Tensor<D> | undefined;
}

interface Plan {
  outer: number;
  len: number;
  inner: number;
  shape: number[];
}

function plan(op: string, a: Tensor, axis: number | undefined, keepdims: boolean): Plan {
  if (axis === undefined) {
    return { outer: 1, len: a.size, inner: 1, shape: keepdims ? a.shape.map(() => 1) : [] };
  }
  const ax = normalizeAxis(axis, a.rank, op);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < ax; i++) outer *= a.shape[i] as number;
  for (let i = ax + 1; i < a.rank; i++) inner *= a.shape[i] as number;
  const shape = a.shape.slice();
  if (keepdims) shape[ax] = 1;
  else shape.splice(ax, 1);
  return { outer, len: a.shape[ax] as number, inner, shape };
}

type Reducer = (data: ArrayLike<number>, start: number, len: number, stride: number) => number;

function reduce<D extends DType, R extends DType>(
  op: string,
  a: Tensor<D>,
  dtype: R,
  options: ReduceOptions<R>,
  fn: Reducer,
  needsElements: boolean,
): Tensor<R> {
  const p = plan(op, a, options.axis, options.keepdims ?? false);
  if (needsElements && p.len === 0) {
    throw new ShapeError(
      `${op}: cannot reduce an empty axis (tensor of shape ${formatShape(a.shape)})`,
    );
  }
  const res = prepareOut(op, dtype, p.shape, options.out);
  const r = res.data;
  for (let o = 0; o < p.outer; o++) {
    for (let i = 0; i < p.inner; i++) {
      r[o * p.inner + i] = fn(a.data, o * p.len * p.inner + i, p.len, p.inner);
    }
  }
  return res;
}

const sumOf: Reducer = (d, s, n, st) => {
  let acc = 0;
  for (let j = 0; j < n; j++) acc += d[s + j * st] as number;
  return acc;
};

/** Sum along `axis` (or of everything). NaN propagates. */
export function sum<D extends DType>(a: Tensor<D>, options: ReduceOptions<D> = {}): Tensor<D> {
  return reduce('sum', a, a.dtype, options, sumOf, false);
}

/** Mean along `axis` (or of everything); float tensors only. */
export function mean<D extends DType>(a: Tensor<D>, options: ReduceOptions<D> = {}): Tensor<D> {
  if (a.dtype === 'int32')
    throw new TypeError("mean: needs a float tensor, got int32; convert with astype('float32')");
  return reduce('mean', a, a.dtype, options, (d, s, n, st) => sumOf(d, s, n, st) / n, true);
}

/** Maximum along `axis` (or of everything); NaN if any element is NaN. */
export function max<D extends DType>(a: Tensor<D>, options: ReduceOptions<D> = {}): Tensor<D> {
  return reduce(
    'max',
    a,
    a.dtype,
    options,
    (d, s, n, st) => {
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        const v = d[s + j * st] as number;
        if (v > m || Number.isNaN(v)) {
          m = v;
          if (Number.isNaN(v)) break;
        }
      }
      return m;
    },
    true,
  );
}

/** Minimum along `axis` (or of everything); NaN if any element is NaN. */
export function min<D extends DType>(a: Tensor<D>, options: ReduceOptions<D> = {}): Tensor<D> {
  return reduce(
    'min',
    a,
    a.dtype,
    options,
    (d, s, n, st) => {
      let m = Infinity;
      for (let j = 0; j < n; j++) {
        const v = d[s + j * st] as number;
        if (v < m || Number.isNaN(v)) {
          m = v;
          if (Number.isNaN(v)) break;
        }
      }
      return m;
    },
    true,
  );
}

/** Index of the maximum along `axis` (first one on ties; a NaN counts as the maximum). int32 result. */
export function argmax(a: Tensor, options: ReduceOptions<'int32'> = {}): Tensor<'int32'> {
  return reduce(
    'argmax',
    a,
    'int32',
    options,
    (d, s, n, st) => {
      let best = 0;
      let m = d[s] as number;
      if (Number.isNaN(m)) return 0;
      for (let j = 1; j < n; j++) {
        const v = d[s + j * st] as number;
        if (Number.isNaN(v)) return j;
        if (v > m) {
          m = v;
          best = j;
        }
      }
      return best;
    },
    true,
  );
}
