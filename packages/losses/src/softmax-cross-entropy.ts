import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertMatrix, checkClassTarget, outputLike, positionOf } from './checks.js';
import type { ClassTarget, Loss, LossOutput } from './loss.js';

/** Options of the `SoftmaxCrossEntropy` class (and of each `softmaxCrossEntropy` call). */
export interface SoftmaxCrossEntropyOptions {
  /**
   * Label smoothing ε in [0, 1) (default 0): the target becomes (1 − ε)·Ŷ + ε/C, spreading ε of
   * the probability mass evenly over the C classes.
   */
  labelSmoothing?: number | undefined;
}

/** Options of one `softmaxCrossEntropy` call: the class options and an `out` tensor for the gradient. */
export interface SoftmaxCrossEntropyCallOptions<D extends FloatDType>
  extends SoftmaxCrossEntropyOptions {
  /** Write the gradient here (the logits' shape and dtype) instead of allocating. */
  out?: Tensor<D> | undefined;
}

const NAME = 'softmaxCrossEntropy';

/**
 * Softmax and cross-entropy fused (paper §2.3), on logits X of shape [m, C]:
 *
 *   loss = −(1/m) Σᵢ Σⱼ Ŷᵢⱼ log softmax(Xᵢ)ⱼ        ∇X = (softmax(X) − Ŷ) / m
 *
 * Ŷ is one-hot rows built from int32 labels [m], or given as float [m, C] one-hot/probability
 * rows. Computed stably: each row's maximum is subtracted before exponentiating, and the loss
 * is taken as log-sum-exp minus the target logit, so logits of ±1e4 give a finite loss and
 * gradient. Throws for non-finite logits, labels out of range, or a label count that is not the
 * batch size.
 */
export function softmaxCrossEntropy<D extends FloatDType>(
  logits: Tensor<D>,
  target: ClassTarget,
  options: SoftmaxCrossEntropyCallOptions<D> = {},
): LossOutput<D> {
  assertMatrix(NAME, 'logits', logits);
  const smoothing = checkSmoothing(options.labelSmoothing);
  const grad = outputLike(NAME, logits, options.out);
  return { loss: computeInto(logits, target, smoothing, grad), grad };
}

/** Checks the operands, writes the gradient into `grad` and returns the mean loss. */
function computeInto<D extends FloatDType>(
  logits: Tensor<D>,
  target: ClassTarget,
  smoothing: number,
  grad: Tensor<D>,
): number {
  assertMatrix(NAME, 'logits', logits);
  const m = logits.shape[0] as number;
  const c = logits.shape[1] as number;
  const isLabels = checkClassTarget(NAME, target, m, c, logits.shape);
  const loss = softmaxCrossEntropyRows(
    logits.data,
    isLabels ? (target.data as Int32Array) : undefined,
    isLabels ? undefined : (target.data as FloatArray),
    grad.data,
    m,
    c,
    smoothing,
  );
  if (Number.isNaN(loss)) {
    // Only non-finite logits get here: find and name the first one.
    for (let i = 0; i < logits.size; i++) {
      const v = logits.data[i] as number;
      if (v - v !== 0) {
        throw new RangeError(
          `${NAME}: logits must be finite, found ${v} at ${positionOf(i, logits.shape)} of [${m},${c}]`,
        );
      }
    }
  }
  return loss;
}

/**
 * The fused kernel: writes (softmax(x) − q)/m into `grad` and returns the mean loss, where q is
 * the (smoothed) target. Returns NaN if any logit is not finite (the caller reports it).
 */
export function softmaxCrossEntropyRows(
  x: FloatArray,
  labels: Int32Array | undefined,
  probs: FloatArray | undefined,
  grad: FloatArray,
  m: number,
  c: number,
  smoothing: number,
): number {
  const invM = 1 / m;
  const keep = 1 - smoothing;
  const spread = smoothing / c;
  let total = 0;
  for (let i = 0; i < m; i++) {
    const row = i * c;
    let max = Number.NEGATIVE_INFINITY;
    let finite = true;
    for (let j = 0; j < c; j++) {
      const v = x[row + j] as number;
      if (v - v !== 0) finite = false;
      if (v > max) max = v;
    }
    if (!finite) return Number.NaN;
    let sumExp = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp((x[row + j] as number) - max);
      grad[row + j] = e;
      sumExp += e;
    }
    // loss_i = Σⱼ qⱼ (max − xⱼ) + log Σ exp(x − max): every term is ≥ 0, no cancellation.
    let rowLoss = Math.log(sumExp);
    const scale = invM / sumExp;
    if (labels !== undefined) {
      const y = labels[i] as number;
      let sumGap = 0;
      for (let j = 0; j < c; j++) {
        sumGap += max - (x[row + j] as number);
        grad[row + j] = (grad[row + j] as number) * scale - spread * invM;
      }
      rowLoss += keep * (max - (x[row + y] as number)) + spread * sumGap;
      grad[row + y] = (grad[row + y] as number) - keep * invM;
    } else {
      const t = probs as FloatArray;
      for (let j = 0; j < c; j++) {
        const q = keep * (t[row + j] as number) + spread;
        rowLoss += q * (max - (x[row + j] as number));
        grad[row + j] = (grad[row + j] as number) * scale - q * invM;
      }
    }
    total += rowLoss;
  }
  return total * invM;
}

function checkSmoothing(value: number | undefined): number {
  const s = value ?? 0;
  if (!(s >= 0 && s < 1))
    throw new RangeError(`${NAME}: labelSmoothing must be in [0, 1), got ${s}`);
  return s;
}

/**
 * `softmaxCrossEntropy` as a `Loss` object that reuses one gradient buffer across calls (the
 * returned `grad` is valid until the next `compute`).
 */
export class SoftmaxCrossEntropy implements Loss<ClassTarget> {
  readonly name = NAME;
  readonly labelSmoothing: number;
  private readonly buffer = new ReusableBuffer();

  constructor(options: SoftmaxCrossEntropyOptions = {}) {
    this.labelSmoothing = checkSmoothing(options.labelSmoothing);
  }

  compute<D extends FloatDType>(logits: Tensor<D>, target: ClassTarget): LossOutput<D> {
    assertMatrix(NAME, 'logits', logits);
    return softmaxCrossEntropy(logits, target, {
      labelSmoothing: this.labelSmoothing,
      out: this.buffer.like(logits),
    });
  }
}
