import type { FloatDType, Tensor } from '@nabla/tensor';
import {
  formatShape,
  logSoftmax as logSoftmaxOp,
  ShapeError,
  softmax as softmaxOp,
} from '@nabla/tensor';
import { assertFinite, assertFloat, outputLike } from './checks.js';

/**
 * Softmax over the last axis, for turning logits into class probabilities at inference time:
 * exp(x − max) / Σ exp(x − max) per row. Returns a new tensor, or writes into `out`.
 */
export function softmax<D extends FloatDType>(logits: Tensor<D>, out?: Tensor<D>): Tensor<D> {
  checkLogits('softmax', logits);
  return softmaxOp(logits, { out: outputLike('softmax', logits, out) });
}

/**
 * log softmax over the last axis, x − max − log Σ exp(x − max) per row: the stable input for
 * `nll`. Returns a new tensor, or writes into `out`.
 */
export function logSoftmax<D extends FloatDType>(logits: Tensor<D>, out?: Tensor<D>): Tensor<D> {
  checkLogits('logSoftmax', logits);
  return logSoftmaxOp(logits, { out: outputLike('logSoftmax', logits, out) });
}

/** Float, non-empty and finite, or an error naming `op` and the logits. */
function checkLogits(op: string, x: Tensor): void {
  assertFloat(op, 'logits', x);
  if (x.rank < 1 || x.size === 0)
    throw new ShapeError(`${op}: expected a non-empty tensor, got ${formatShape(x.shape)}`);
  assertFinite(op, 'logits', x);
}
