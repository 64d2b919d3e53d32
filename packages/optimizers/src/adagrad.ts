import type { FloatArray, OptimizerOptions, Parameter } from '@nabla/tensor';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { checkNonNegative, checkOptions } from './validate.js';

/** Options of `new Adagrad(parameters, options)` (defaults in the README table). */
export interface AdagradOptions extends OptimizerOptions {
  /** Step size α. Default 0.01. */
  lr?: number | undefined;
  /** Learning-rate decay η ≥ 0: step t uses α / (1 + (t − 1)η). Default 0. */
  lrDecay?: number | undefined;
  /** L2 penalty λ ≥ 0 added to the gradient. Default 0. */
  weightDecay?: number | undefined;
  /** Starting value τ ≥ 0 of the sum of squared gradients. Default 0. */
  initialAccumulatorValue?: number | undefined;
  /** ε ≥ 0 added to the denominator. Default 1e-10. */
  eps?: number | undefined;
}

/** Adagrad's hyperparameters after validation, as kept in its state dict. */
export type AdagradHyperparameters = {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
};

const KNOWN = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] as const;

function parseAdagrad(
  owner: string,
  raw: Readonly<Record<string, unknown>>,
): AdagradHyperparameters {
  return {
    lrDecay: checkNonNegative(owner, 'lrDecay', raw.lrDecay ?? 0),
    weightDecay: checkNonNegative(owner, 'weightDecay', raw.weightDecay ?? 0),
    initialAccumulatorValue: checkNonNegative(
      owner,
      'initialAccumulatorValue',
      raw.initialAccumulatorValue ?? 0,
    ),
    eps: checkNonNegative(owner, 'eps', raw.eps ?? 1e-10),
  };
}

/**
 * Adagrad (Duchi et al.), as `torch.optim.Adagrad` documents it, for step t = 1, 2, ...:
 *
 *     α̃ ← α / (1 + (t − 1)η)
 *     g ← ∇θ + λθ                  (if weightDecay λ ≠ 0)
 *     s ← s + g²                   (s starts at initialAccumulatorValue)
 *     θ ← θ − α̃ g / (√s + ε)
 */
export class Adagrad extends BaseOptimizer<AdagradHyperparameters> {
  constructor(parameters: readonly Parameter[], options?: AdagradOptions) {
    const raw = checkOptions('Adagrad', options, KNOWN);
    super('Adagrad', parameters, raw.lr ?? 0.01, parseAdagrad('Adagrad', raw));
  }

  protected bufferNames(): readonly string[] {
    return ['sum'];
  }

  protected override initialBufferValue(_name: string, options: AdagradHyperparameters): number {
    return options.initialAccumulatorValue;
  }

  protected parseOptions(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): AdagradHyperparameters {
    return parseAdagrad(owner, raw);
  }

  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
    t: number,
  ): void {
    const { lrDecay, weightDecay: wd, eps } = this.options;
    const clr = lr / (1 + (t - 1) * lrDecay);
    const sum = buffers.sum as FloatArray;
    const n = value.length;
    for (let j = 0; j < n; j++) {
      const theta = value[j] as number;
      const g = wd !== 0 ? (grad[j] as number) + wd * theta : (grad[j] as number);
      sum[j] = (sum[j] as number) + g * g;
      value[j] = theta - (clr * g) / (Math.sqrt(sum[j] as number) + eps);
    }
  }
}
