import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { ReusableBuffer } from './reusable-buffer.js';
import { loadParameterState } from './state-dict.js';

/**
 * ReLU(x) = max(x, 0), element-wise (paper §2.2). Backward: ∇X = ∇Y ∘ Relu'(X), where
 * Relu'(x) = 1 for x ≥ 0 and 0 for x < 0.
 *
 * At exactly x = 0 the derivative is undefined; we take 1, as the paper does (Relu'(x) = 1 for
 * x ≥ 0), so the gradient passes through at 0 (PyTorch takes 0 there). Either is a valid
 * subgradient; it only matters for inputs that are exactly 0.
 */
export class ReLU<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'ReLU';
  private input: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const y = this.out.like(x);
    reluForward(x.data, y.data);
    this.input = x;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const x = lastForward(this.name, this.input);
    assertGradOut(this.name, gradOut, x.shape, x.dtype);
    const gx = this.gradIn.like(x);
    reluBackward(x.data, gradOut.data, gx.data);
    return gx;
  }

  parameters(): readonly Parameter<D>[] {
    return [];
  }

  stateDict(): TensorStateDict<D> {
    return {};
  }

  loadStateDict(state: TensorStateDict): void {
    loadParameterState(this.name, [], state);
  }
}

/** y = max(x, 0). */
export function reluForward(x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    y[i] = Math.max(v, 0); // NaN stays NaN rather than being hidden as 0
  }
}

/** gx = g where x ≥ 0, else 0. */
export function reluBackward(x: FloatArray, g: FloatArray, gx: FloatArray): void {
  for (let i = 0; i < x.length; i++) gx[i] = (x[i] as number) >= 0 ? (g[i] as number) : 0;
}
