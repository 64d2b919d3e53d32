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
 * The signature of every binary op: the first tensor operand fixes the dtype (the other must
 * match at compile time and at run time); either operand may be a plain number.
 */
export interface BinaryOp {
  <D extends DType>(
    a: Tensor<D>,
    b: Tensor<NoInfer<D>> | number,
    out?: Tensor<NoInfer<D>>,
  ): Tensor<D>;
  <D extends DType>(a: number, b: Tensor<D>, out?: Tensor<NoInfer<D>>): Tensor<D>;
}

function op(name: string, fn: Fn): BinaryOp {
  return ((a: Operand<DType>, b: Operand<DType>, out?: Tensor) =>
    binary(name, fn, a, b, out)) as BinaryOp;
}

/**
 * Element-wise binary ops with NumPy broadcasting. Operands of two tensors must share a dtype;
 * a number operand is a scalar. `out` (optional) receives the result and may be one of the
 * operands (an explicit in-place update); otherwise a new tensor is returned.
 * Comparisons return 1/0 in the operands' dtype, so a mask can be multiplied directly.
 */
export const add = op('add', (x, y) => x + y);
/** a − b, element-wise with broadcasting (see `add`). */
export const sub = op('sub', (x, y) => x - y);
/** a · b, element-wise with broadcasting (see `add`). */
export const mul = op('mul', (x, y) => x * y);
const floatDiv = op('div', (x, y) => x / y);
const intDiv = op('div', (x, y) => {
  if (y === 0) throw new RangeError('div: integer division by zero');
  return Math.trunc(x / y);
});
/** Division; on int32 tensors it truncates toward zero and throws on division by zero. */
export const div: BinaryOp = ((a: Operand<DType>, b: Operand<DType>, out?: Tensor) => {
  const isInt =
    (typeof a !== 'number' && a.dtype === 'int32') ||
    (typeof b !== 'number' && b.dtype === 'int32');
  return (isInt ? intDiv : floatDiv)(a as Tensor, b as Tensor, out);
}) as BinaryOp;
/** a raised to the power b, element-wise with broadcasting. */
export const pow = op('pow', (x, y) => x ** y);
/** The larger of a and b, element-wise with broadcasting (NaN wins). */
export const maximum = op('maximum', (x, y) => (x > y || Number.isNaN(x) ? x : y));
/** The smaller of a and b, element-wise with broadcasting (NaN wins). */
export const minimum = op('minimum', (x, y) => (x < y || Number.isNaN(x) ? x : y));
/** 1 where a = b, else 0, in the operands' dtype. */
export const equal = op('equal', (x, y) => (x === y ? 1 : 0));
/** 1 where a ≠ b, else 0, in the operands' dtype. */
export const notEqual = op('notEqual', (x, y) => (x !== y ? 1 : 0));
/** 1 where a > b, else 0, in the operands' dtype. */
export const greater = op('greater', (x, y) => (x > y ? 1 : 0));
/** 1 where a ≥ b, else 0, in the operands' dtype. */
export const greaterEqual = op('greaterEqual', (x, y) => (x >= y ? 1 : 0));
/** 1 where a < b, else 0, in the operands' dtype. */
export const less = op('less', (x, y) => (x < y ? 1 : 0));
/** 1 where a ≤ b, else 0, in the operands' dtype. */
export const lessEqual = op('lessEqual', (x, y) => (x <= y ? 1 : 0));
