import type { FloatArray, OptimizerOptions, Parameter } from '@nabla/tensor';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { checkBoolean, checkNonNegative, checkOptions, checkUnitInterval } from './validate.js';

/** Options of `new RMSprop(parameters, options)`. */
export interface RMSpropOptions extends OptimizerOptions {
  /** Step size α. Default 0.01. */
  lr?: number | undefined;
  /** Smoothing constant of the squared-gradient average, in [0, 1). Default 0.99. */
  alpha?: number | undefined;
  /** ε ≥ 0 added to the denominator. Default 1e-8. */
  eps?: number | undefined;
  /** L2 penalty λ ≥ 0 added to the gradient. Default 0. */
  weightDecay?: number | undefined;
  /** Momentum factor μ ≥ 0. Default 0. */
  momentum?: number | undefined;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. Default false. */
  centered?: boolean | undefined;
}

/** RMSprop's hyperparameters after validation, as kept in its state dict. */
export type RMSpropHyperparameters = {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
};

const KNOWN = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'] as const;

function parseRMSprop(
  owner: string,
  raw: Readonly<Record<string, unknown>>,
): RMSpropHyperparameters {
  return {
    alpha: checkUnitInterval(owner, 'alpha', raw.alpha ?? 0.99),
    eps: checkNonNegative(owner, 'eps', raw.eps ?? 1e-8),
    weightDecay: checkNonNegative(owner, 'weightDecay', raw.weightDecay ?? 0),
    momentum: checkNonNegative(owner, 'momentum', raw.momentum ?? 0),
    centered: checkBoolean(owner, 'centered', raw.centered ?? false),
  };
}

/**
 * RMSprop (Hinton), as `torch.optim.RMSprop` documents it, for step t = 1, 2, ...:
 *
 *     g ← ∇θ + λθ                          (if weightDecay λ ≠ 0)
 *     v ← a v + (1 − a) g²                 (a = alpha)
 *     ṽ ← v − ḡ², ḡ ← a ḡ + (1 − a) g      (if centered; else ṽ = v)
 *     b ← μ b + g / (√ṽ + ε), θ ← θ − α b  (if momentum μ > 0)
 *     θ ← θ − α g / (√ṽ + ε)               (otherwise)
 *
 * One deliberate difference: in the centered variant ṽ is clamped at 0 before the square root.
 * It is never negative in exact arithmetic; where rounding makes it so, PyTorch produces NaN.
 */
export class RMSprop extends BaseOptimizer<RMSpropHyperparameters> {
  constructor(parameters: readonly Parameter[], options?: RMSpropOptions) {
    const raw = checkOptions('RMSprop', options, KNOWN);
    super('RMSprop', parameters, raw.lr ?? 0.01, parseRMSprop('RMSprop', raw));
  }

  protected bufferNames(options: RMSpropHyperparameters): readonly string[] {
    const names = ['squareAvg'];
    if (options.momentum > 0) names.push('momentumBuffer');
    if (options.centered) names.push('gradAvg');
    return names;
  }

  protected parseOptions(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): RMSpropHyperparameters {
    return parseRMSprop(owner, raw);
  }

  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
  ): void {
    const { alpha, eps, weightDecay: wd, momentum: mu, centered } = this.options;
    const sq = buffers.squareAvg as FloatArray;
    const buf = buffers.momentumBuffer;
    const gAvg = buffers.gradAvg;
    const n = value.length;
    for (let j = 0; j < n; j++) {
      const theta = value[j] as number;
      const g = wd !== 0 ? (grad[j] as number) + wd * theta : (grad[j] as number);
      sq[j] = alpha * (sq[j] as number) + (1 - alpha) * g * g;
      let avg = sq[j] as number;
      if (centered && gAvg !== undefined) {
        gAvg[j] = alpha * (gAvg[j] as number) + (1 - alpha) * g;
        const ga = gAvg[j] as number;
        avg = Math.max(avg - ga * ga, 0);
      }
      const denom = Math.sqrt(avg) + eps;
      if (mu > 0 && buf !== undefined) {
        buf[j] = mu * (buf[j] as number) + g / denom;
        value[j] = theta - lr * (buf[j] as number);
      } else {
        value[j] = theta - (lr * g) / denom;
      }
    }
  }
}
