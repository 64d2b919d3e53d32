import type { FloatArray, OptimizerOptions, Parameter } from '@nabla/tensor';
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

/**
 * One Adam step for one parameter, through the tensor core's `fusedAdamUpdate` (one pass over
 * memory; the engine picks its SIMD kernel or the JS loop). `decoupled` selects AdamW's weight
 * decay (θ ← θ − αλθ before the update) instead of Adam's L2 term (g ← g + λθ).
 */
function adamUpdate(
  value: FloatArray,
  grad: FloatArray,
  buffers: ParameterBuffers,
  lr: number,
  t: number,
  options: AdamHyperparameters,
  decoupled: boolean,
): void {
  const [beta1, beta2] = options.betas;
  const { eps, weightDecay: wd, amsgrad } = options;
  fusedAdamUpdate(
    value,
    grad,
    buffers.expAvg as FloatArray,
    buffers.expAvgSq as FloatArray,
    amsgrad ? buffers.maxExpAvgSq : undefined,
    {
      stepSize: lr / (1 - beta1 ** t),
      beta1,
      beta2,
      bc2Sqrt: Math.sqrt(1 - beta2 ** t),
      eps,
      l2: decoupled ? 0 : wd,
      shrink: decoupled ? 1 - lr * wd : 1,
    },
  );
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
    adamUpdate(value, grad, buffers, lr, t, this.options, this.decoupled);
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
