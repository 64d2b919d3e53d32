import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { ReusableBuffer } from './reusable-buffer.js';
import { loadParameterState } from './state-dict.js';

/**
 * σ(x) = 1 / (1 + e^−x), element-wise, computed without overflow for large |x|.
 * Backward uses the output: ∇X = ∇Y ∘ σ(x)(1 − σ(x)).
 */
export class Sigmoid<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'Sigmoid';
  private output: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const y = this.out.like(x);
    sigmoidForward(x.data, y.data);
    this.output = y;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const y = lastForward(this.name, this.output);
    assertGradOut(this.name, gradOut, y.shape, y.dtype);
    const gx = this.gradIn.like(y);
    sigmoidBackward(y.data, gradOut.data, gx.data);
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

/** y = σ(x); e^−|x| never overflows. */
export function sigmoidForward(x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (v >= 0) {
      y[i] = 1 / (1 + Math.exp(-v));
    } else {
      const e = Math.exp(v);
      y[i] = e / (1 + e);
    }
  }
}

/** gx = g ∘ y(1 − y). */
export function sigmoidBackward(y: FloatArray, g: FloatArray, gx: FloatArray): void {
  for (let i = 0; i < y.length; i++) {
    const s = y[i] as number;
    gx[i] = (g[i] as number) * s * (1 - s);
  }
}
