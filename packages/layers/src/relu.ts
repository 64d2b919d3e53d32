import type { FloatArray, FloatDType } from '@nabla/tensor';
import { ElementwiseActivation } from './elementwise-activation.js';

/**
 * ReLU(x) = max(x, 0), element-wise (paper §2.2). Backward: ∇X = ∇Y ∘ Relu'(X), where
 * Relu'(x) = 1 for x ≥ 0 and 0 for x < 0.
 *
 * At exactly x = 0 the derivative is undefined; we take 1, as the paper does (Relu'(x) = 1 for
 * x ≥ 0), so the gradient passes through at 0 (PyTorch takes 0 there). Either is a valid
 * subgradient; it only matters for inputs that are exactly 0.
 */
export class ReLU<D extends FloatDType = FloatDType> extends ElementwiseActivation<D> {
  readonly name = 'ReLU';
  protected readonly saves = 'input';

  /** y = max(x, 0). */
  protected forwardElements(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      y[i] = Math.max(v, 0); // NaN stays NaN rather than being hidden as 0
    }
  }

  /** gx = g where x ≥ 0, else 0. */
  protected backwardElements(x: FloatArray, g: FloatArray, gx: FloatArray): void {
    for (let i = 0; i < x.length; i++) gx[i] = (x[i] as number) >= 0 ? (g[i] as number) : 0;
  }
}
