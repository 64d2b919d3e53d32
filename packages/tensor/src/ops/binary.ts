import type { DType } from '../dtype.js';
import { broadcastShapes, formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { broadcastOffsets, prepareOut } from './broadcast.js';

/** A tensor or a plain number (a scalar operand takes the tensor operand's dtype). */
export type Operand<D extends DType> = Tensor<D> | number;

type Fn = (x: number, y: number) => number;

function binary<D extends DType>(
  op: string,
  fn: Fn,
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TypeError(`${op}: at least one operand must be a tensor`);
  }
  const ta = typeof a === 'number' ? undefined : a;
  const tb = typeof b === 'number' ? undefined : b;
  if (ta && tb && ta.dtype !== tb.dtype) {
    throw new TypeError(
      `${op}: dtypes differ: ${ta.dtype} ${formatShape(ta.shape)} and ${tb.dtype} ${formatShape(tb.shape)}; convert one with astype()`,
    );
  }
  const dtype = (ta ?? tb)?.dtype as D;
  if (ta === undefined || tb === undefined) {
    const t = (ta ?? tb) as Tensor<D>;
    const s = (typeof a === 'number' ? a : b) as number;
    const res = prepareOut(op, dtype, t.shape, out);
    const x = t.data;
    const r = res.data;
    if (ta) for (let i = 0; i < x.length; i++) r[i] = fn(x[i] as number, s);
    else for (let i = 0; i < x.length; i++) r[i] = fn(s, x[i] as number);
    return res;
  }
  const shape = shapesEqual(ta.shape, tb.shape)
    ? ta.shape
    : broadcastShapes(ta.shape, tb.shape, op);
  const res = prepareOut(op, dtype, shape, out);
  const x = ta.data;
  const y = tb.data;
  const r = res.data;
  if (ta.size === res.size && tb.size === res.size) {
    for (let i = 0; i < r.length; i++) r[i] = fn(x[i] as number, y[i] as number);
  } else if (tb.size === 1) {
    const s = y[0] as number;
    for (let i = 0; i < r.length; i++) r[i] = fn(x[i] as number, s);
  } else if (ta.size === 1) {
    const s = x[0] as number;
    for (let i = 0; i < r.length; i++) r[i] = fn(s, y[i] as number);
  } else {
    const oa = ta.size === res.size ? undefined : broadcastOffsets(ta.shape, shape);
    const ob = tb.size === res.size ? undefined : broadcastOffsets(tb.shape, shape);
    for (let i = 0; i < r.length; i++) {
      r[i] = fn(x[oa ? (oa[i] as number) : i] as number, y[ob ? (ob[i] as number) : i] as number);
    }
  }
  return res;
}

/**
 * Element-wise binary ops with NumPy broadcasting. Operands of two tensors must share a dtype;
 * a number operand is a scalar. `out` (optional) receives the result and may be one of the
 * operands (an explicit in-place update); otherwise a new tensor is returned.
 * Comparisons return 1/0 in the operands' dtype, so a mask can be multiplied directly.
 */
export const add = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('add', (x, y) => x + y, a, b, out);
export const sub = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('sub', (x, y) => x - y, a, b, out);
export const mul = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('mul', (x, y) => x * y, a, b, out);
/** Division; on int32 tensors it truncates toward zero and throws on division by zero. */
export const div = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> => {
  const isInt =
    (typeof a !== 'number' && a.dtype === 'int32') ||
    (typeof b !== 'number' && b.dtype === 'int32');
  if (!isInt) return binary('div', (x, y) => x / y, a, b, out);
  return binary(
    'div',
    (x, y) => {
      if (y === 0) throw new RangeError('div: integer division by zero');
      return Math.trunc(x / y);
    },
    a,
    b,
    out,
  );
};
export const pow = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('pow', (x, y) => x ** y, a, b, out);
export const maximum = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('maximum', (x, y) => (x > y || Number.isNaN(x) ? x : y), a, b, out);
export const minimum = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('minimum', (x, y) => (x < y || Number.isNaN(x) ? x : y), a, b, out);
export const equal = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('equal', (x, y) => (x === y ? 1 : 0), a, b, out);
export const notEqual = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('notEqual', (x, y) => (x !== y ? 1 : 0), a, b, out);
export const greater = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('greater', (x, y) => (x > y ? 1 : 0), a, b, out);
export const greaterEqual = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('greaterEqual', (x, y) => (x >= y ? 1 : 0), a, b, out);
export const less = <D extends DType>(a: Operand<D>, b: Operand<D>, out?: Tensor<D>): Tensor<D> =>
  binary('less', (x, y) => (x < y ? 1 : 0), a, b, out);
export const lessEqual = <D extends DType>(
  a: Operand<D>,
  b: Operand<D>,
  out?: Tensor<D>,
): Tensor<D> => binary('lessEqual', (x, y) => (x <= y ? 1 : 0), a, b, out);
