import type { FloatArray, OptimizerOptions, Parameter } from '@nabla/tensor';
import { fusedSgdUpdate } from '@nabla/tensor';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { checkBoolean, checkNonNegative, checkOptions } from './validate.js';

/** Options of `new SGD(parameters, options)`. */
export interface SGDOptions extends OptimizerOptions {
  /** Step size α. Default 0.01, the paper's rate (PyTorch's own default is 0.001). */
  lr?: number | undefined;
  /** Momentum factor μ ≥ 0. Default 0 (plain gradient descent). */
  momentum?: number | undefined;
  /** Dampening τ for momentum, ≥ 0. Default 0. */
  dampening?: number | undefined;
  /** L2 penalty λ ≥ 0, added to the gradient. Default 0. */
  weightDecay?: number | undefined;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). Default false. */
  nesterov?: boolean | undefined;
}

/** SGD's hyperparameters after validation, as kept in its state dict. */
export type SGDHyperparameters = {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
};

const KNOWN = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const;

function parseSGD(owner: string, raw: Readonly<Record<string, unknown>>): SGDHyperparameters {
  const options = {
    momentum: checkNonNegative(owner, 'momentum', raw.momentum ?? 0),
    dampening: checkNonNegative(owner, 'dampening', raw.dampening ?? 0),
    weightDecay: checkNonNegative(owner, 'weightDecay', raw.weightDecay ?? 0),
    nesterov: checkBoolean(owner, 'nesterov', raw.nesterov ?? false),
  };
  if (options.nesterov && (options.momentum <= 0 || options.dampening !== 0)) {
    throw new RangeError(
      `${owner}: Nesterov momentum requires momentum > 0 and dampening 0, got momentum ${options.momentum} and dampening ${options.dampening}`,
    );
  }
  return options;
}

/**
 * Stochastic gradient descent, as `torch.optim.SGD` documents it, for step t = 1, 2, ...:
 *
 *     g ← ∇θ + λθ                                  (if weightDecay λ ≠ 0)
 *     b ← g on the first step, else μb + (1 − τ)g  (if momentum μ ≠ 0)
 *     g ← g + μb if nesterov, else b               (if momentum μ ≠ 0)
 *     θ ← θ − α g
 *
 * With the defaults this is the paper's rule θ ← θ − α∇θ with α = 0.01.
 */
export class SGD extends BaseOptimizer<SGDHyperparameters> {
  constructor(parameters: readonly Parameter[], options?: SGDOptions) {
    const raw = checkOptions('SGD', options, KNOWN);
    super('SGD', parameters, raw.lr ?? 0.01, parseSGD('SGD', raw));
  }

  protected bufferNames(options: SGDHyperparameters): readonly string[] {
    return options.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  protected parseOptions(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): SGDHyperparameters {
    return parseSGD(owner, raw);
  }

  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
    t: number,
  ): void {
    const { momentum: mu, dampening, weightDecay: wd, nesterov } = this.options;
    const n = value.length;
    if (mu === 0 && wd === 0) {
      // Plain SGD, the common case: the tensor core's step (wasm SIMD for float32 parameters of
      // 256 elements or more), the same bits as the loop below with wd = 0.
      fusedSgdUpdate(value, grad, lr);
      return;
    }
    if (mu === 0) {
      for (let j = 0; j < n; j++) {
        const theta = value[j] as number;
        const g = wd !== 0 ? (grad[j] as number) + wd * theta : (grad[j] as number);
        value[j] = theta - lr * g;
      }
      return;
    }
    const buf = buffers.momentumBuffer as FloatArray;
    const first = t === 1;
    const keep = 1 - dampening;
    for (let j = 0; j < n; j++) {
      const theta = value[j] as number;
      const g = wd !== 0 ? (grad[j] as number) + wd * theta : (grad[j] as number);
      buf[j] = first ? g : mu * (buf[j] as number) + keep * g;
      // Read the buffer back so a float32 parameter uses the stored (rounded) momentum, as PyTorch does.
      const b = buf[j] as number;
      value[j] = theta - lr * (nesterov ? g + mu * b : b);
    }
  }
}
