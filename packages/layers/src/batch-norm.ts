import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import {
  createParameter,
  formatShape,
  full,
  ReusableBuffer,
  ShapeError,
  zeros,
} from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type {
  BackwardOptions,
  ForwardContext,
  Layer,
  LayerBuffer,
  TensorStateDict,
} from './layer.js';
import { checkStateDict, parameterStateDict } from './state-dict.js';

/** Options of `BatchNorm1d` and `BatchNorm2d`. */
export interface BatchNormOptions<D extends FloatDType> {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number | undefined;
  /** Weight of the new batch in the running statistics (default 0.1, PyTorch's). */
  momentum?: number | undefined;
  /** Learnable per-channel scale `weight` (γ, starts at 1) and shift `bias` (β, 0). Default true. */
  affine?: boolean | undefined;
  /** Element type of the parameters, buffers and accepted inputs. Default float32. */
  dtype?: D | undefined;
}

/**
 * Batch normalisation with PyTorch's semantics, shared by BatchNorm1d and BatchNorm2d. The input
 * is viewed as [n, C, S] (S = the product of the axes after the channels); each channel c is
 * normalised over its M = n·S values:
 *
 *   training:   x̂ = (x − μ_B) / √(σ²_B + ε) with the batch mean μ_B and biased variance σ²_B;
 *               running_mean ← (1 − m)·running_mean + m·μ_B,
 *               running_var  ← (1 − m)·running_var  + m·σ²_B·M/(M − 1)  (unbiased),
 *               num_batches_tracked ← num_batches_tracked + 1;
 *   evaluation: x̂ = (x − running_mean) / √(running_var + ε), nothing updated;
 *   y = γ·x̂ + β.
 *
 * Backward, with G = ∂L/∂y: ∇β = Σ G, ∇γ = Σ G∘x̂ (sums over n and S), and
 *   training:   ∇x = γ/(M·√(σ²_B + ε)) · (M·G − Σ G − x̂·Σ G∘x̂)  (the batch statistics depend on x),
 *   evaluation: ∇x = γ·G / √(running_var + ε).
 * Statistics are computed in float64 whatever the dtype. The running statistics are buffers:
 * in the state dict (`running_mean`, `running_var`, `num_batches_tracked`, PyTorch's names), not
 * in `parameters()`. `num_batches_tracked` is a float scalar here (an int64 in PyTorch).
 */
abstract class BatchNorm<D extends FloatDType> implements Layer<D> {
  readonly name: string;
  readonly features: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: Parameter<D> | undefined;
  readonly bias: Parameter<D> | undefined;
  readonly runningMean: Tensor<D>;
  readonly runningVar: Tensor<D>;
  readonly numBatchesTracked: Tensor<D>;
  private readonly params: readonly Parameter<D>[];
  private readonly bufferList: readonly LayerBuffer<D>[];
  // Channel k of an [n, C, S] array is the runs [(b·C + k)·S, (b·C + k + 1)·S) for b < n.
  /** Per-channel mean and 1/√(var + ε) used by the last forward, and its mode. */
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;
  private last: { x: Tensor<D>; training: boolean } | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  protected constructor(kind: string, features: number, options: BatchNormOptions<D>) {
    this.name = `${kind}(${features})`;
    if (!Number.isInteger(features) || features <= 0) {
      throw new RangeError(`${kind}: features must be a positive integer, got ${features}`);
    }
    const { eps = 1e-5, momentum = 0.1, affine = true } = options;
    const dtype = (options.dtype ?? 'float32') as D;
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new TypeError(`${this.name}: dtype must be float32 or float64, got ${String(dtype)}`);
    }
    if (!(eps >= 0) || !Number.isFinite(eps)) {
      throw new RangeError(`${this.name}: eps must be a finite number ≥ 0, got ${eps}`);
    }
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new RangeError(`${this.name}: momentum must be in [0, 1], got ${momentum}`);
    }
    this.features = features;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? createParameter('weight', full([features], 1, dtype)) : undefined;
    this.bias = affine ? createParameter('bias', zeros([features], dtype)) : undefined;
    this.params = this.weight && this.bias ? [this.weight, this.bias] : [];
    this.runningMean = zeros([features], dtype);
    this.runningVar = full([features], 1, dtype);
    this.numBatchesTracked = zeros([], dtype);
    this.bufferList = [
      { name: 'running_mean', value: this.runningMean },
      { name: 'running_var', value: this.runningVar },
      { name: 'num_batches_tracked', value: this.numBatchesTracked },
    ];
    this.mean = new Float64Array(features);
    this.invStd = new Float64Array(features);
  }

  get dtype(): D {
    return this.runningMean.dtype;
  }

  /** Throws unless `x` has a rank this layer accepts and `features` channels on axis 1. */
  protected abstract checkInput(x: Tensor): void;

  protected shapeError(expected: string, x: Tensor): ShapeError {
    return new ShapeError(
      `${this.name}: expected input of shape ${expected}, got ${formatShape(x.shape)}`,
    );
  }

  forward(x: Tensor<D>, ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    this.checkInput(x);
    if (x.dtype !== this.dtype) {
      throw new TypeError(`${this.name}: input is ${x.dtype} but the layer is ${this.dtype}`);
    }
    const c = this.features;
    const n = x.shape[0] as number;
    const s = n === 0 ? 0 : x.size / (n * c);
    const m = n * s;
    const xd = x.data;
    const training = ctx.training;
    if (training) {
      if (m < 2) {
        throw new ShapeError(
          `${this.name}: training needs more than one value per channel to compute a variance, got input ${formatShape(x.shape)}`,
        );
      }
      const rm = this.runningMean.data;
      const rv = this.runningVar.data;
      const mom = this.momentum;
      for (let k = 0; k < c; k++) {
        let sum = 0;
        for (let b = 0; b < n; b++) {
          const start = (b * c + k) * s;
          for (let i = start; i < start + s; i++) sum += xd[i] as number;
        }
        const mu = sum / m;
        let sq = 0;
        for (let b = 0; b < n; b++) {
          const start = (b * c + k) * s;
          for (let i = start; i < start + s; i++) {
            const d = (xd[i] as number) - mu;
            sq += d * d;
          }
        }
        const variance = sq / m;
        this.mean[k] = mu;
        this.invStd[k] = 1 / Math.sqrt(variance + this.eps);
        rm[k] = (1 - mom) * (rm[k] as number) + mom * mu;
        rv[k] = (1 - mom) * (rv[k] as number) + (mom * sq) / (m - 1);
      }
      const nbt = this.numBatchesTracked.data;
      nbt[0] = (nbt[0] as number) + 1;
    } else {
      for (let k = 0; k < c; k++) {
        this.mean[k] = this.runningMean.data[k] as number;
        this.invStd[k] = 1 / Math.sqrt((this.runningVar.data[k] as number) + this.eps);
      }
    }
    const y = this.out.like(x);
    const yd = y.data;
    const gamma = this.weight?.value.data;
    const beta = this.bias?.value.data;
    for (let k = 0; k < c; k++) {
      const mu = this.mean[k] as number;
      const scale = (this.invStd[k] as number) * (gamma ? (gamma[k] as number) : 1);
      const shift = beta ? (beta[k] as number) : 0;
      for (let b = 0; b < n; b++) {
        const start = (b * c + k) * s;
        for (let i = start; i < start + s; i++) yd[i] = ((xd[i] as number) - mu) * scale + shift;
      }
    }
    this.last = { x, training };
    return y;
  }

  backward(gradOut: Tensor<D>, options: BackwardOptions = {}): Tensor<D> {
    const { x, training } = lastForward(this.name, this.last);
    assertGradOut(this.name, gradOut, x.shape, this.dtype);
    const accumulate = options.accumulate === true;
    const c = this.features;
    const n = x.shape[0] as number;
    const s = n === 0 ? 0 : x.size / (n * c);
    const m = n * s;
    const xd = x.data;
    const gd = gradOut.data;
    const gx = this.gradIn.like(x);
    const gxd = gx.data;
    const wantInput = options.inputGrad !== false;
    const gamma = this.weight?.value.data;
    for (let k = 0; k < c; k++) {
      const mu = this.mean[k] as number;
      const inv = this.invStd[k] as number;
      let sumG = 0;
      let sumGxhat = 0;
      for (let b = 0; b < n; b++) {
        const start = (b * c + k) * s;
        for (let i = start; i < start + s; i++) {
          const g = gd[i] as number;
          sumG += g;
          sumGxhat += g * ((xd[i] as number) - mu);
        }
      }
      sumGxhat *= inv;
      if (this.weight && this.bias) {
        addOrSet(this.weight.grad.data, k, sumGxhat, accumulate);
        addOrSet(this.bias.grad.data, k, sumG, accumulate);
      }
      if (!wantInput) continue;
      const g0 = gamma ? (gamma[k] as number) : 1;
      if (training) {
        // ∇x = γ·inv/M · (M·G − ΣG − x̂·ΣG∘x̂) = a·G + b·x + d, per channel.
        const a = g0 * inv;
        const bx = (-g0 * inv * inv * sumGxhat) / m;
        const d = (-g0 * inv * sumG) / m - bx * mu;
        for (let b = 0; b < n; b++) {
          const start = (b * c + k) * s;
          for (let i = start; i < start + s; i++) {
            gxd[i] = a * (gd[i] as number) + bx * (xd[i] as number) + d;
          }
        }
      } else {
        const scale = g0 * inv;
        for (let b = 0; b < n; b++) {
          const start = (b * c + k) * s;
          for (let i = start; i < start + s; i++) gxd[i] = scale * (gd[i] as number);
        }
      }
    }
    return gx;
  }

  parameters(): readonly Parameter<D>[] {
    return this.params;
  }

  buffers(): readonly LayerBuffer<D>[] {
    return this.bufferList;
  }

  stateDict(): TensorStateDict<D> {
    const state: Record<string, Tensor<D>> = { ...parameterStateDict(this.params) };
    for (const b of this.bufferList) state[b.name] = b.value.clone();
    return state;
  }

  /** Loads parameters and running statistics together; all or nothing. */
  loadStateDict(state: TensorStateDict): void {
    const expected: Record<string, Tensor<D>> = {};
    for (const p of this.params) expected[p.name] = p.value;
    for (const b of this.bufferList) expected[b.name] = b.value;
    checkStateDict(this.name, expected, state);
    for (const [key, target] of Object.entries(expected)) {
      target.data.set((state[key] as Tensor).data);
    }
  }
}

function addOrSet(a: FloatArray, k: number, v: number, accumulate: boolean): void {
  a[k] = accumulate ? (a[k] as number) + v : v;
}

/**
 * Batch normalisation of [n, features] or [n, features, length] inputs (PyTorch's BatchNorm1d):
 * statistics per feature over the batch (and the length). See `BatchNorm` above for the maths.
 */
export class BatchNorm1d<D extends FloatDType = 'float32'> extends BatchNorm<D> {
  constructor(features: number, options: BatchNormOptions<D> = {}) {
    super('BatchNorm1d', features, options);
  }

  protected checkInput(x: Tensor): void {
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[1] !== this.features) {
      throw this.shapeError(`[n,${this.features}] or [n,${this.features},length]`, x);
    }
  }
}

/**
 * Batch normalisation of NCHW inputs [n, channels, h, w] (PyTorch's BatchNorm2d): statistics per
 * channel over the batch and both spatial axes. See `BatchNorm` above for the maths.
 */
export class BatchNorm2d<D extends FloatDType = 'float32'> extends BatchNorm<D> {
  constructor(channels: number, options: BatchNormOptions<D> = {}) {
    super('BatchNorm2d', channels, options);
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[1] !== this.features) {
      throw this.shapeError(`[n,${this.features},h,w] (NCHW)`, x);
    }
  }
}
