import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertElementwiseOperands, outputLike, positionOf } from './checks.js';
import type { Loss, LossOutput } from './loss.js';

const NAME = 'binaryCrossEntropyWithLogits';

/**
 * Sigmoid and binary cross-entropy fused, on logits x and targets t ∈ [0, 1] of the same shape,
 * averaged over all N elements:
 *
 *   loss = (1/N) Σ −[t log σ(x) + (1 − t) log(1 − σ(x))]        ∇x = (σ(x) − t) / N
 *
 * computed stably as max(x, 0) − x·t + log(1 + e^−|x|), so no exponential overflows and no
 * log(0) appears, even for logits of ±1e4.
 */
export function binaryCrossEntropyWithLogits<D extends FloatDType>(
  logits: Tensor<D>,
  target: Tensor<FloatDType>,
  options: { out?: Tensor<D> | undefined } = {},
): LossOutput<D> {
  checkOperands(logits, target);
  const grad = outputLike(NAME, logits, options.out);
  return { loss: bceWithLogitsKernel(logits.data, target.data, grad.data), grad };
}

function checkOperands(logits: Tensor, target: Tensor): void {
  assertElementwiseOperands(NAME, 'logits', logits, target);
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    const v = t[i] as number;
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(
        `${NAME}: target ${v} at ${positionOf(i, target.shape)} is not in [0, 1]`,
      );
    }
  }
}

/** grad = (σ(x) − t)/N; returns the mean of max(x, 0) − x t + log(1 + e^−|x|). */
export function bceWithLogitsKernel(x: FloatArray, t: FloatArray, grad: FloatArray): number {
  const n = x.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    const y = t[i] as number;
    const e = Math.exp(-Math.abs(v)); // in (0, 1]: never overflows
    total += Math.max(v, 0) - v * y + Math.log1p(e);
    const sigma = v >= 0 ? 1 / (1 + e) : e / (1 + e);
    grad[i] = (sigma - y) / n;
  }
  return total / n;
}

/** `binaryCrossEntropyWithLogits` as a `Loss` object reusing its gradient buffer. */
export class BinaryCrossEntropyWithLogits implements Loss<Tensor<FloatDType>> {
  readonly name = NAME;
  private readonly buffer = new ReusableBuffer();

  compute<D extends FloatDType>(logits: Tensor<D>, target: Tensor<FloatDType>): LossOutput<D> {
    checkOperands(logits, target);
    const grad = this.buffer.like(logits);
    return { loss: bceWithLogitsKernel(logits.data, target.data, grad.data), grad };
  }
}
