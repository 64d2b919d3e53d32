import type { FloatDType, Parameter, Rng, Tensor } from '@nabla/tensor';

/**
 * What every forward pass is told explicitly. There is no global training flag and no global
 * seed: a layer that behaves differently in training (Dropout) reads `training`, and one that
 * needs randomness reads `rng`.
 */
export interface ForwardContext {
  /** `true` in training mode (Dropout active), `false` for evaluation and inference. */
  readonly training: boolean;
  /** The generator stochastic layers draw from; Dropout throws if it is missing while training. */
  readonly rng?: Rng | undefined;
}

/** Options of a backward pass. */
export interface BackwardOptions {
  /**
   * `false` (default): backward OVERWRITES each parameter's `grad` with the gradient of this
   * batch, so a training loop needs no `zeroGrad`. `true`: backward ADDS into `grad` (gradient
   * accumulation over several batches; call `zeroGrad` from `@nabla/tensor` yourself first).
   */
  readonly accumulate?: boolean | undefined;
  /**
   * `true` (default): return ∂L/∂input. `false`: the caller will not use it — typically the
   * first layer of a network, whose input is data — so the layer may skip computing it (a Linear
   * then saves a third of its backward work) and return a tensor whose contents are unspecified.
   * Parameter gradients are computed as usual. `Sequential` passes it to its first layer only.
   */
  readonly inputGrad?: boolean | undefined;
}

/**
 * A named tensor of non-trainable state that a layer updates itself (BatchNorm's running
 * statistics): saved and loaded by `stateDict()` / `loadStateDict()`, never in `parameters()`.
 */
export interface LayerBuffer<D extends FloatDType = FloatDType> {
  readonly name: string;
  readonly value: Tensor<D>;
}

/** Named tensors: what `stateDict()` returns and `loadStateDict()` takes. */
export type TensorStateDict<D extends FloatDType = FloatDType> = {
  readonly [name: string]: Tensor<D>;
};

/**
 * The layer contract. Implement this interface (there is no base class) and your layer works
 * inside a `Sequential`, with optimizers, and with the contract suite in `@nabla/layers/testing`.
 *
 * - `forward(x, ctx)` computes the output and keeps what backward needs (usually a reference to
 *   `x`: leave `x` unchanged until the matching backward).
 * - `backward(gradOut)` takes ∂L/∂output of the LAST forward, writes each parameter's gradient
 *   into its `grad` buffer (overwriting, or adding with `{ accumulate: true }`) and returns
 *   ∂L/∂input. Calling it before any forward throws.
 * - Neither method writes into a tensor it was handed.
 * - The tensors they return are owned by the layer and reused: treat them as read-only and valid
 *   until the layer's next forward (resp. backward); `clone()` what you want to keep.
 * - `parameters()` lists the trainable tensors in a fixed order under stable names;
 *   `stateDict()` returns copies of them by name, `loadStateDict()` copies values back in,
 *   checking names and shapes.
 * - `buffers()` (optional) lists non-trainable state (running statistics) the same way; the
 *   state dict holds exactly the parameters and the buffers, and optimizers never see buffers.
 */
export interface Layer<D extends FloatDType = FloatDType> {
  /** A short description used in error messages, e.g. `Linear(784→128)`. */
  readonly name: string;
  forward(x: Tensor<D>, ctx: ForwardContext): Tensor<D>;
  backward(gradOut: Tensor<D>, options?: BackwardOptions): Tensor<D>;
  parameters(): readonly Parameter<D>[];
  stateDict(): TensorStateDict<D>;
  loadStateDict(state: TensorStateDict): void;
  /**
   * Non-trainable state, in a fixed order under stable names, the same tensors on every call
   * (optional: layers without such state leave it out). Only a training-mode forward may change
   * it.
   */
  buffers?: (() => readonly LayerBuffer<D>[]) | undefined;
}
