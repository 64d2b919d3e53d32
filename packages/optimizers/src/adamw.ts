import type { Parameter } from '@nabla/tensor';
import { AdamFamily, type AdamOptions } from './adam.js';

/** Options of `new AdamW(parameters, options)`: those of Adam, with decoupled weight decay (default 0.01). */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay λ ≥ 0: θ ← θ − αλθ each step. Default 0.01. */
  weightDecay?: number | undefined;
}

/**
 * AdamW (Loshchilov & Hutter), as `torch.optim.AdamW` documents it: Adam whose weight decay is
 * decoupled from the gradient. For step t = 1, 2, ...:
 *
 *     θ ← θ − αλθ
 *     m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²      (g = ∇θ, no decay term)
 *     θ ← θ − α (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)  (v̂max for amsgrad, as in Adam)
 */
export class AdamW extends AdamFamily {
  constructor(parameters: readonly Parameter[], options?: AdamWOptions) {
    super('AdamW', parameters, options, { decoupled: true, default: 0.01 });
  }
}
