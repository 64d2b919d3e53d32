import type { DType, FloatDType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { prepareOut } from './broadcast.js';

function unary<D extends DType>(
  op: string,
  fn: (x: number) => number,
  a: Tensor<D>,
  out?: Tensor<D>,
): Tensor<D> {
  const res = prepareOut(op, a.dtype, a.shape, out);
  const x = a.data;
  const r = res.data;
  for (let i = 0; i < x.length; i++) r[i] = fn(x[i] as number);
  return res;
}

function floatOnly(op: string, a: Tensor): void {
  if (a.dtype === 'int32') {
    throw new TypeError(`${op}: needs a float tensor, got int32; convert with astype('float32')`);
  }
}

/** Element-wise unary ops; `out` (optional, may be `a` itself) receives the result. */
export const neg = <D extends DType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> =>
  unary('neg', (x) => -x, a, out);
/** |a|, element-wise. */
export const abs = <D extends DType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> =>
  unary('abs', Math.abs, a, out);
/** eᵃ, element-wise (float tensors only). */
export const exp = <D extends FloatDType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> => {
  floatOnly('exp', a);
  return unary('exp', Math.exp, a, out);
};
/** Natural logarithm (log of 0 is −Infinity and of a negative number NaN, as in IEEE arithmetic). */
export const log = <D extends FloatDType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> => {
  floatOnly('log', a);
  return unary('log', Math.log, a, out);
};
/** √a, element-wise (float tensors only; NaN for negative elements). */
export const sqrt = <D extends FloatDType>(a: Tensor<D>, out?: Tensor<D>): Tensor<D> => {
  floatOnly('sqrt', a);
  return unary('sqrt', Math.sqrt, a, out);
};
