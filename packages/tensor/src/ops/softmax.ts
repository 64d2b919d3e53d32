import type { FloatArray, FloatDType } from '../dtype.js';
import { normalizeAxis, ShapeError } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { prepareOut } from './broadcast.js';

/** Options of `softmax` and `logSoftmax`: the axis (default the last) and an `out` tensor. */
export interface SoftmaxOptions<D extends FloatDType> {
  /** The axis to normalise over (negative counts from the end). Default -1, the last axis. */
  axis?: number | undefined;
  /** Write the result here instead of allocating (same shape and dtype; may be `x` itself). */
  out?: Tensor<D> | undefined;
}

/**
 * Softmax along `axis` (default the last): exp(x − max) / Σ exp(x − max) over each lane, with
 * the lane's maximum subtracted first, so any finite logits (±1e4 included) give finite
 * probabilities. −Infinity entries get probability 0 (masking), as long as the lane has a
 * finite entry; NaN (or +Infinity) in a lane makes that lane NaN. Float tensors only.
 */
export function softmax<D extends FloatDType>(
  x: Tensor<D>,
  options: SoftmaxOptions<D> = {},
): Tensor<D> {
  return softmaxAlong('softmax', x, options, false);
}

/**
 * log softmax along `axis` (default the last): x − max − log Σ exp(x − max) over each lane,
 * computed without forming the probabilities, so it stays finite where softmax underflows to 0.
 * Same options and non-finite handling as `softmax`.
 */
export function logSoftmax<D extends FloatDType>(
  x: Tensor<D>,
  options: SoftmaxOptions<D> = {},
): Tensor<D> {
  return softmaxAlong('logSoftmax', x, options, true);
}

function softmaxAlong<D extends FloatDType>(
  op: string,
  x: Tensor<D>,
  options: SoftmaxOptions<D>,
  log: boolean,
): Tensor<D> {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TypeError(
      `${op}: needs a float tensor, got ${String(x.dtype)}; convert with astype('float32')`,
    );
  }
  if (x.rank < 1) throw new ShapeError(`${op}: expected at least one axis, got a scalar`);
  const axis = normalizeAxis(options.axis ?? -1, x.rank, op);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= x.shape[i] as number;
  for (let i = axis + 1; i < x.rank; i++) inner *= x.shape[i] as number;
  const len = x.shape[axis] as number;
  const res = prepareOut(op, x.dtype, x.shape, options.out);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      softmaxLane(x.data, res.data, o * len * inner + i, len, inner, log);
    }
  }
  return res;
}

/**
 * One lane: the `len` elements start, start + stride, … of `x`, written at the same places of
 * `y`. Every element is read before it is written, so `y` may be `x`.
 */
function softmaxLane(
  x: FloatArray,
  y: FloatArray,
  start: number,
  len: number,
  stride: number,
  log: boolean,
): void {
  const end = start + len * stride;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = start; k < end; k += stride) {
    const v = x[k] as number;
    if (v > max) max = v;
  }
  // A NaN anywhere in the lane makes the sum NaN, hence every output of the lane: never hidden.
  let sum = 0;
  if (log) {
    for (let k = start; k < end; k += stride) sum += Math.exp((x[k] as number) - max);
    const shift = max + Math.log(sum);
    for (let k = start; k < end; k += stride) y[k] = (x[k] as number) - shift;
  } else {
    for (let k = start; k < end; k += stride) {
      const e = Math.exp((x[k] as number) - max);
      y[k] = e;
      sum += e;
    }
    for (let k = start; k < end; k += stride) y[k] = (y[k] as number) / sum;
  }
}
