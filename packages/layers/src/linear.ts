import type { FloatArray, FloatDType, Parameter, Rng, Tensor } from '@nabla/tensor';
import {
  createParameter,
  formatShape,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  matmul,
  ReusableBuffer,
  ShapeError,
  uniform,
  zeros,
} from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from './layer.js';
import { loadParameterState, parameterStateDict } from './state-dict.js';

/** Options of `new Linear(in, out, options)`: the generator (required), initialisation, dtype and bias. */
export interface LinearOptions<D extends FloatDType> {
  /** The seeded generator the weights are drawn from (required: no hidden global seed). */
  rng: Rng;
  /**
   * `he` (Kaiming, default: suits ReLU), `glorot` (Xavier: suits tanh/sigmoid), or `torch`:
   * PyTorch's `nn.Linear` default, W and b both U(−1/√in, 1/√in) (kaiming_uniform with a = √5),
   * drawn in that order; `distribution` does not apply to it.
   */
  init?: 'he' | 'glorot' | 'torch' | undefined;
  /** Draw the weights from a normal (default) or a uniform distribution of the same variance. */
  distribution?: 'normal' | 'uniform' | undefined;
  /** Element type of the parameters, and so of the inputs the layer accepts. Default float32. */
  dtype?: D | undefined;
  /** Whether the layer has a bias (default true). */
  bias?: boolean | undefined;
}

/**
 * Fully connected layer (paper §2.1): Y = X W + 1 b, with X of shape [n, in], W of shape
 * [in, out] and b of shape [out].
 *
 * Backward, given G = ∂L/∂Y: ∇W = Xᵀ G, ∇b = 1ᵀ G (column sums of G), ∇X = G Wᵀ. All three
 * products use matmul's transpose flags, so no transposed copy is ever made. Parameters are
 * named `weight` and `bias`, in that order. W is drawn with He or Glorot scaling from the given
 * generator; b starts at zero (with `init: 'torch'`, both follow PyTorch's nn.Linear).
 */
export class Linear<D extends FloatDType = 'float32'> implements Layer<D> {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter<D>;
  readonly bias: Parameter<D> | undefined;
  private readonly params: readonly Parameter<D>[];
  private input: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions<D>) {
    this.name = `Linear(${inFeatures}→${outFeatures})`;
    for (const [what, v] of [
      ['in', inFeatures],
      ['out', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new RangeError(`Linear: ${what} features must be a positive integer, got ${v}`);
      }
    }
    const { rng, init = 'he', distribution = 'normal', bias = true } = options;
    const dtype = (options.dtype ?? 'float32') as D;
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new TypeError(`${this.name}: dtype must be float32 or float64, got ${String(dtype)}`);
    }
    if (rng === undefined || typeof rng.next !== 'function') {
      throw new TypeError(
        `${this.name}: options.rng must be a seeded generator (createRng(seed) from @nabla/tensor)`,
      );
    }
    const draw = INITIALIZERS[init]?.[distribution];
    if (draw === undefined) {
      throw new RangeError(
        `${this.name}: unknown init ${JSON.stringify(init)} / distribution ${JSON.stringify(distribution)}; expected init 'he' | 'glorot' | 'torch' and distribution 'normal' | 'uniform'`,
      );
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = createParameter(
      'weight',
      draw(rng, [inFeatures, outFeatures], { dtype }) as Tensor<D>,
    );
    const bound = 1 / Math.sqrt(inFeatures);
    const b0 = (): Tensor<D> =>
      init === 'torch'
        ? uniform(rng, [outFeatures], -bound, bound, { dtype })
        : zeros([outFeatures], dtype);
    this.bias = bias ? createParameter('bias', b0()) : undefined;
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
  }

  get dtype(): D {
    return this.weight.value.dtype;
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    return this.product(x, false);
  }

  /**
   * ReLU(X W + 1 b) in one product, the bias and ReLU applied in its epilogue (Sequential runs a
   * Linear followed by a ReLU this way). Where X W + b is negative the result is −0, not +0 (see
   * matmul's `relu`): give it to the ReLU with `ReLU.adoptFusedOutput` and back to
   * {@link backwardThroughRelu}. Needs a bias.
   */
  forwardRelu(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    if (this.bias === undefined) throw new TypeError(`${this.name}: forwardRelu needs a bias`);
    return this.product(x, true);
  }

  private product(x: Tensor<D>, relu: boolean): Tensor<D> {
    assertFloat(this.name, 'input', x);
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(
        `${this.name}: expected input of shape [n,${this.inFeatures}], got ${formatShape(x.shape)}`,
      );
    }
    if (x.dtype !== this.dtype) {
      throw new TypeError(`${this.name}: input is ${x.dtype} but the parameters are ${this.dtype}`);
    }
    const n = x.shape[0] as number;
    const y = this.out.matrix(this.dtype, n, this.outFeatures);
    // The bias (and ReLU) are added in the product's epilogue, tile by tile.
    matmul(x, this.weight.value, { out: y, bias: this.bias?.value, relu });
    this.input = x;
    return y;
  }

  backward(gradOut: Tensor<D>, options: BackwardOptions = {}): Tensor<D> {
    return this.gradients(gradOut, options, undefined);
  }

  /**
   * Backward, then the backward of the ReLU before this layer in one go: ∂L/∂X is computed as
   * (G Wᵀ) masked by `reluOutput` (the ReLU's output from {@link forwardRelu}: the gradient passes
   * where the ReLU's input was ≥ 0) in the product's epilogue. Sequential uses it for a
   * Linear → ReLU → Linear chain.
   */
  backwardThroughRelu(
    gradOut: Tensor<D>,
    reluOutput: Tensor<D>,
    options: BackwardOptions = {},
  ): Tensor<D> {
    return this.gradients(gradOut, options, reluOutput);
  }

  private gradients(
    gradOut: Tensor<D>,
    options: BackwardOptions,
    reluMask: Tensor<D> | undefined,
  ): Tensor<D> {
    const x = lastForward(this.name, this.input);
    const n = x.shape[0] as number;
    if (gradOut.rank !== 2 || gradOut.shape[0] !== n || gradOut.shape[1] !== this.outFeatures) {
      assertGradOut(this.name, gradOut, [n, this.outFeatures], this.dtype);
    }
    assertFloat(this.name, 'gradient', gradOut);
    if (gradOut.dtype !== this.dtype) {
      throw new TypeError(
        `${this.name}: backward got a ${gradOut.dtype} gradient for ${this.dtype} parameters`,
      );
    }
    const accumulate = options.accumulate === true;
    // ∇W = Xᵀ G
    matmul(x, gradOut, { transA: true, out: this.weight.grad, accumulate });
    // ∇b = 1ᵀ G
    if (this.bias) columnSums(gradOut.data, this.bias.grad.data, n, this.outFeatures, accumulate);
    // ∇X = G Wᵀ (skipped when the caller said it will not use it), masked by a ReLU's output.
    const gx = this.gradIn.matrix(this.dtype, n, this.inFeatures);
    if (options.inputGrad === false) return gx;
    matmul(gradOut, this.weight.value, { transB: true, out: gx, reluMask });
    return gx;
  }

  parameters(): readonly Parameter<D>[] {
    return this.params;
  }

  stateDict(): TensorStateDict<D> {
    return parameterStateDict(this.params);
  }

  loadStateDict(state: TensorStateDict): void {
    loadParameterState(this.name, this.params, state);
  }
}

const INITIALIZERS = {
  he: { normal: heNormal, uniform: heUniform },
  glorot: { normal: glorotNormal, uniform: glorotUniform },
  torch: { normal: torchUniform, uniform: torchUniform },
} as const;

/** PyTorch's nn.Linear weight init: U(−1/√fanIn, 1/√fanIn) for W of shape [fanIn, fanOut]. */
function torchUniform<D extends FloatDType>(
  rng: Rng,
  shape: readonly number[],
  o: { dtype: D },
): Tensor<D> {
  const bound = 1 / Math.sqrt(shape[0] as number);
  return uniform(rng, shape, -bound, bound, o);
}

/** out = 1ᵀ G (or out += 1ᵀ G when accumulating): the column sums of the n×p matrix g. */
export function columnSums(
  g: FloatArray,
  out: FloatArray,
  n: number,
  p: number,
  accumulate: boolean,
): void {
  if (!accumulate) out.fill(0, 0, p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) out[j] = (out[j] as number) + (g[row + j] as number);
  }
}
