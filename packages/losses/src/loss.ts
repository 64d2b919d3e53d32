import type { FloatDType, Tensor } from '@nabla/tensor';

/** What a loss computes for one batch. */
export interface LossOutput<D extends FloatDType> {
  /** The loss, averaged over the batch (see each loss for what it averages over). */
  readonly loss: number;
  /** ∂loss/∂input: same shape and dtype as the input. */
  readonly grad: Tensor<D>;
}

/**
 * Class targets for classification losses: either integer labels (int32, shape [m], each in
 * [0, C)) or one row per sample of one-hot or class probabilities (float32/float64, shape
 * [m, C], each row non-negative and summing to 1). Which one is decided by the dtype at run
 * time, so the type is any tensor (that keeps `tensor([[0, 1]])` and `zeros(...)` usable as
 * targets without annotations).
 */
export type ClassTarget = Tensor;

/**
 * The loss contract. Implement this interface (there is no base class) and your loss works in
 * any training loop and with the contract suite in `@nabla/losses/testing`.
 *
 * - `compute(input, target)` returns the batch-mean loss and its gradient w.r.t. `input` in one
 *   call (the fused form: the gradient costs little once the loss is known).
 * - It never writes into `input` or `target`.
 * - `grad` may be a buffer the loss owns and reuses: treat it as read-only and valid until the
 *   next `compute`; `clone()` it to keep it.
 * - Bad input (wrong shapes, labels out of range, NaN) throws an error naming the loss and what
 *   was wrong, never a NaN loss.
 */
export interface Loss<T = Tensor> {
  /** A short name used in error messages, e.g. `softmaxCrossEntropy`. */
  readonly name: string;
  compute<D extends FloatDType>(input: Tensor<D>, target: T): LossOutput<D>;
}
