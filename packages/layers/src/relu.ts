import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertGradOut } from './checks.js';
import { ElementwiseActivation } from './elementwise-activation.js';
import type { ForwardContext } from './layer.js';

/**
 * ReLU(x) = max(x, 0), element-wise (paper §2.2). Backward: ∇X = ∇Y ∘ Relu'(X), where
 * Relu'(x) = 1 for x ≥ 0 and 0 for x < 0.
 *
 * At exactly x = 0 the derivative is undefined; we take 1, as the paper does (Relu'(x) = 1 for
 * x ≥ 0), so the gradient passes through at 0 (PyTorch takes 0 there). Either is a valid
 * subgradient; it only matters for inputs that are exactly 0.
 *
 * In a Sequential, a Linear followed by a ReLU (not as the last layer) runs as one product with
 * the bias and ReLU in its epilogue (`Linear.forwardRelu`); the ReLU then only keeps that output
 * (`adoptFusedOutput`), whose −0 entries mark the negative inputs.
 */
export class ReLU<D extends FloatDType = FloatDType> extends ElementwiseActivation<D> {
  readonly name = 'ReLU';
  protected readonly saves = 'input';
  /** The output of a fused Linear→ReLU product, when the last forward was one. */
  private fused: Tensor<D> | undefined;
  private readonly fusedGrad = new ReusableBuffer();

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

  override forward(x: Tensor<D>, ctx: ForwardContext): Tensor<D> {
    this.fused = undefined;
    return super.forward(x, ctx);
  }

  /**
   * Takes `y`, the output of `Linear.forwardRelu` (this layer's forward computed in the product
   * before it, with −0 where the input was negative), as this layer's last forward.
   */
  adoptFusedOutput(y: Tensor<D>): void {
    this.fused = y;
  }

  /** The output adopted by `adoptFusedOutput` in the last forward, if it was fused. */
  get fusedOutput(): Tensor<D> | undefined {
    return this.fused;
  }

  override backward(gradOut: Tensor<D>): Tensor<D> {
    const y = this.fused;
    if (y === undefined) return super.backward(gradOut);
    assertGradOut(this.name, gradOut, y.shape, y.dtype);
    const gx = this.fusedGrad.like(y);
    const s = y.data;
    const g = gradOut.data;
    const out = gx.data;
    // The input was ≥ 0 where y is +0 or positive (−0 marks a negative input; NaN fails both).
    for (let i = 0; i < s.length; i++) {
      const v = s[i] as number;
      out[i] = v > 0 || (v === 0 && 1 / v > 0) ? (g[i] as number) : 0;
    }
    return gx;
  }
}
