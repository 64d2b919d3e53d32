import type { FloatArray, Parameter } from '@nabla/tensor';
import {
  ADAM_OPTION_NAMES,
  type AdamHyperparameters,
  type AdamOptions,
  adamBufferNames,
  adamUpdate,
  parseAdamOptions,
} from './adam.js';
import { BaseOptimizer, type ParameterBuffers } from './base-optimizer.js';
import { checkOptions } from './validate.js';

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ ≥ 0: θ ← θ − αλθ each step. Default 0.01. */
  weightDecay?: number;
}

/**
 * AdamW (Loshchilov & Hutter), as `torch.optim.AdamW` documents it: Adam whose weight decay is
 * decoupled from the gradient. For step t = 1, 2, ...:
 *
 *     θ ← θ − αλθ
 *     m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²      (g = ∇θ, no decay term)
 *     θ ← θ − α (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)  (v̂max for amsgrad, as in Adam)
 */
export class AdamW extends BaseOptimizer<AdamHyperparameters> {
  constructor(parameters: readonly Parameter[], options?: AdamWOptions) {
    const raw = checkOptions('AdamW', options, ADAM_OPTION_NAMES);
    super('AdamW', parameters, raw.lr ?? 1e-3, parseAdamOptions('AdamW', raw, 0.01));
  }

  protected bufferNames(options: AdamHyperparameters): readonly string[] {
    return adamBufferNames(options);
  }

  protected parseOptions(
    owner: string,
    raw: Readonly<Record<string, unknown>>,
  ): AdamHyperparameters {
    return parseAdamOptions(owner, raw, 0.01);
  }

  protected update(
    value: FloatArray,
    grad: FloatArray,
    buffers: ParameterBuffers,
    lr: number,
    t: number,
  ): void {
    adamUpdate(value, grad, buffers, lr, t, this.options, true);
  }
}
