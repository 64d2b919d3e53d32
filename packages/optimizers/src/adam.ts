import type { AdamCoefficients, FloatArray, OptimizerOptions, Parameter } from '@nabla/tensor';
import { fusedAdamUpdate } from '@nabla/tensor';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { checkBetas, checkBoolean, checkNonNegative, checkOptions } from './validate.js';

/** Options of `new Adam(parameters, options)`. */
export interface AdamOptions extends OptimizerOptions {
  /** Step size α. Default 0.001. */
  lr?: number | undefined;
  /** Decay rates (β1, β2) of the first and second moment averages, each in [0, 1). Default [0.9, 0.999]. */
  betas?: readonly [number, number] | undefined;
  /** ε ≥ 0 added to the denominator. Default 1e-8. */
  eps?: number | undefined;
  /** L2 penalty λ ≥ 0 added to the gradient (for decoupled decay use AdamW). Default 0. */
  weightDecay?: number | undefined;
  /** Use the running maximum of the second moment (AMSGrad). Default false. */
  amsgrad?: boolean | undefined;
}

/** Adam's (and AdamW's) hyperparameters after validation, as kept in the state dict. */
export type AdamHyperparameters = {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
};

const ADAM_OPTION_NAMES = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'] as const;

function parseAdamOptions(
  owner: string,
  raw: Readonly<Record<string, unknown>>,
  defaultWeightDecay: number,
): AdamHyperparameters {
  return {
    betas: checkBetas(owner, raw.betas ?? [0.9, 0.999]),
    eps: checkNonNegative(owner, 'eps', raw.eps ?? 1e-8),
    weightDecay: checkNonNegative(owner, 'weightDecay', raw.weightDecay ?? defaultWeightDecay),
    amsgrad: checkBoolean(owner, 'amsgrad', raw.amsgrad ?? false),
  };
}

/** Float32 parameters at least this long use the fused kernel; shorter ones the loop below. */
const MIN_WASM_ADAM_LENGTH = 256;

/**
 * One Adam step for one parameter. `decoupled` selects AdamW's weight decay
 * (θ ← θ − αλθ before the update) instead of Adam's L2 term (g ← g + λθ).
 */
function adamUpdate(
  value: FloatArray,
  grad: FloatArray,
  buffers: ParameterBuffers,
  lr: number,
  t: number,
  options: AdamHyperparameters,
  decoupled: boolean,
  coefficients: AdamCoefficients,
): void {
  const b1 = options.betas[0];
  const b2 = options.betas[1];
  const { eps, weightDecay: wd, amsgrad } = options;
  const m = buffers.expAvg as FloatArray;
  const v = buffers.expAvgSq as FloatArray;
  const vMax = buffers.maxExpAvgSq;
  const bc1 = 1 - b1 ** t;
  const bc2Sqrt = Math.sqrt(1 - b2 ** t);
  const stepSize = lr / bc1;
  const l2 = decoupled ? 0 : wd;
  const shrink = decoupled ? 1 - lr * wd : 1;
  const n = value.length;
  if (value instanceof Float32Array && n >= MIN_WASM_ADAM_LENGTH) {
    // float32 weights: one fused pass on the tensor core's kernel (wasm SIMD where available),
    // within float32 rounding of the loop below.
    const c = coefficients;
    c.stepSize = stepSize;
    c.beta1 = b1;
    c.beta2 = b2;
    c.bc2Sqrt = bc2Sqrt;
    c.eps = eps;
    c.l2 = l2;
    c.shrink = shrink;
    fusedAdamUpdate(value, grad, m, v, amsgrad ? vMax : undefined, c);
    return;
  }
  for (let j = 0; j < n; j++) {
    let theta = value[j] as number;
    if (shrink !== 1) theta *= shrink;
    const g = l2 !== 0 ? (grad[j] as number) + l2 * theta : (grad[j] as number);
    m[j] = b1 * (m[j] as number) + (1 - b1) * g;
    v[j] = b2 * (v[j] as number) + (1 - b2) * g * g;
    let second = v[j] as number;
    if (amsgrad && vMax !== undefined) {
      if (second > (vMax[j] as number)) vMax[j] = second;
      second = vMax[j] as number;
    }
    value[j] = theta - (stepSize * (m[j] as number)) / (Math.sqrt(second) / bc2Sqrt + eps);
  }
}

/**
 * Adam and AdamW are one algorithm that differs only in how weight decay enters and in its
 * default; this holds everything else (options, buffers, the update). Internal: not exported
 * from the package.
 */
export abstract class AdamFamily extends BaseOptimizer<AdamHyperparameters> {
  /** AdamW's θ ← θ − αλθ (true) or Adam's g ← g + λθ (false). */
  private readonly decoupled: boolean;
  private readonly defaultWeightDecay: number;
  /** Scratch for the fused kernel's coefficients, rewritten every step (no allocation per step). */
  private readonly coefficients: AdamCoefficients = {
    stepSize: 0,
    beta1: 0,
    beta2: 0,
    bc2Sqrt: 1,
    eps: 0,
    l2: 0,
    shrink: 1,
  };

  protected constructor(
    kind: string,
    parameters: readonly Parameter[],
    options: AdamOptions | undefined,
    weightDecay: { readonly decoupled: boolean; readonly default: number },
  ) {
    const raw = checkOptions(kind, options, ADAM_OPTION_NAMES);
    super(kind, parameters, raw.lr ?? 1e-3, parseAdamOptions(kind, raw, weightDecay.default));
    this.decoupled = weightDecay.decoupled;
    this.defaultWeightDecay = weightDecay.default;
  }

  protected bufferNames(options: AdamHyperparameters): readonly string[] {
    return options.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'];
  }

  protected parseOptions(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): AdamHyperparameters {
    return parseAdamOptions(owner, raw, this.defaultWeightDecay);
  }

  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
    t: number,
  ): void {
    adamUpdate(value, grad, buffers, lr, t, this.options, this.decoupled, this.coefficients);
  }
}

/**
 * Adam (Kingma & Ba), as `torch.optim.Adam` documents it, for step t = 1, 2, ...:
 *
 *     g ← ∇θ + λθ                       (if weightDecay λ ≠ 0)
 *     m ← β1 m + (1 − β1) g
 *     v ← β2 v + (1 − β2) g²
 *     v̂max ← max(v̂max, v)               (if amsgrad; then v̂max replaces v below)
 *     θ ← θ − α (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
 */
export class Adam extends AdamFamily {
  constructor(parameters: readonly Parameter[], options?: AdamOptions) {
    super('Adam', parameters, options, { decoupled: false, default: 0 });
  }
}
