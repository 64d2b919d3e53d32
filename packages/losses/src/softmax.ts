import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { formatShape, ShapeError } from '@nabla/tensor';
import { assertFinite, assertFloat, outputLike } from './checks.js';

/**
 * Softmax over the last axis, for turning logits into class probabilities at inference time:
 * exp(x − max) / Σ exp(x − max) per row. Returns a new tensor, or writes into `out`.
 */
export function softmax<D extends FloatDType>(logits: Tensor<D>, out?: Tensor<D>): Tensor<D> {
  const [rows, cols] = rowsOf('softmax', logits);
  const y = outputLike('softmax', logits, out);
  softmaxRows(logits.data, y.data, rows, cols, false);
  return y;
}

/**
 * log softmax over the last axis, x − max − log Σ exp(x − max) per row: the stable input for
 * `nll`. Returns a new tensor, or writes into `out`.
 */
export function logSoftmax<D extends FloatDType>(logits: Tensor<D>, out?: Tensor<D>): Tensor<D> {
  const [rows, cols] = rowsOf('logSoftmax', logits);
  const y = outputLike('logSoftmax', logits, out);
  softmaxRows(logits.data, y.data, rows, cols, true);
  return y;
}

function rowsOf(op: string, x: Tensor): [number, number] {
  assertFloat(op, 'logits', x);
  if (x.rank < 1 || x.size === 0)
    throw new ShapeError(`${op}: expected a non-empty tensor, got ${formatShape(x.shape)}`);
  assertFinite(op, 'logits', x);
  const cols = x.shape[x.rank - 1] as number;
  return [x.size / cols, cols];
}

/** Row-wise softmax (or log-softmax) of an n×c matrix, with the row maximum subtracted. */
export function softmaxRows(
  x: FloatArray,
  y: FloatArray,
  n: number,
  c: number,
  log: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < c; j++) max = Math.max(max, x[row + j] as number);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp((x[row + j] as number) - max);
    if (log) {
      const shift = max + Math.log(sum);
      for (let j = 0; j < c; j++) y[row + j] = (x[row + j] as number) - shift;
    } else {
      for (let j = 0; j < c; j++) y[row + j] = Math.exp((x[row + j] as number) - max) / sum;
    }
  }
}
