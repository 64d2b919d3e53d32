import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertFinite, assertMatrix, checkClassTarget, outputLike } from './checks.js';
import type { ClassTarget, Loss, LossOutput } from './loss.js';

const NAME = 'nll';

/**
 * Negative log-likelihood on log-probabilities L of shape [m, C] (e.g. from `logSoftmax`):
 *
 *   loss = −(1/m) Σᵢ Σⱼ Ŷᵢⱼ Lᵢⱼ        ∇L = −Ŷ / m
 *
 * with Ŷ one-hot from int32 labels [m] or given as float [m, C] probability rows.
 * `nll(logSoftmax(x), y)` equals `softmaxCrossEntropy(x, y)`; prefer the fused one for
 * training. A log-probability of −Infinity (probability 0) is allowed where the target is 0
 * (the loss is +Infinity if the target puts mass there); NaN and +Infinity are errors.
 */
export function nll<D extends FloatDType>(
  logProbs: Tensor<D>,
  target: ClassTarget,
  options: { out?: Tensor<D> | undefined } = {},
): LossOutput<D> {
  assertMatrix(NAME, 'log-probabilities', logProbs);
  const grad = outputLike(NAME, logProbs, options.out);
  return { loss: computeInto(logProbs, target, grad), grad };
}

/** Checks the operands, writes the gradient into `grad` and returns the mean loss. */
function computeInto<D extends FloatDType>(
  logProbs: Tensor<D>,
  target: ClassTarget,
  grad: Tensor<D>,
): number {
  assertMatrix(NAME, 'log-probabilities', logProbs);
  const m = logProbs.shape[0] as number;
  const c = logProbs.shape[1] as number;
  assertFinite(NAME, 'log-probabilities', logProbs, true);
  const isLabels = checkClassTarget(NAME, target, m, c, logProbs.shape);
  return isLabels
    ? nllLabels(logProbs.data, target.data as Int32Array, grad.data, m, c)
    : nllProbs(logProbs.data, target.data as FloatArray, grad.data, m, c);
}

/** grad = −onehot(labels)/m; returns −(1/m) Σ L[i, label i]. */
export function nllLabels(
  logp: FloatArray,
  labels: Int32Array,
  grad: FloatArray,
  m: number,
  c: number,
): number {
  grad.fill(0, 0, m * c);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const k = i * c + (labels[i] as number);
    total -= logp[k] as number;
    grad[k] = -1 / m;
  }
  return total / m;
}

/** grad = −q/m; returns −(1/m) Σ q∘L, skipping q = 0 (so log 0 = −∞ there adds nothing). */
export function nllProbs(
  logp: FloatArray,
  q: FloatArray,
  grad: FloatArray,
  m: number,
  c: number,
): number {
  let total = 0;
  for (let k = 0; k < m * c; k++) {
    const t = q[k] as number;
    if (t !== 0) total -= t * (logp[k] as number);
    grad[k] = -t / m;
  }
  return total / m;
}

/** `nll` as a `Loss` object reusing its gradient buffer (valid until the next `compute`). */
export class NegativeLogLikelihood implements Loss<ClassTarget> {
  readonly name = NAME;
  private readonly buffer = new ReusableBuffer();

  compute<D extends FloatDType>(logProbs: Tensor<D>, target: ClassTarget): LossOutput<D> {
    assertMatrix(NAME, 'log-probabilities', logProbs);
    const grad = this.buffer.like(logProbs);
    return { loss: computeInto(logProbs, target, grad), grad };
  }
}
