import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { ReusableBuffer } from './reusable-buffer.js';
import { loadParameterState } from './state-dict.js';

/** tanh(x), element-wise. Backward uses the output: ∇X = ∇Y ∘ (1 − tanh²(x)). */
export class Tanh<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'Tanh';
  private output: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const y = this.out.like(x);
    tanhForward(x.data, y.data);
    this.output = y;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const y = lastForward(this.name, this.output);
    assertGradOut(this.name, gradOut, y.shape, y.dtype);
    const gx = this.gradIn.like(y);
    tanhBackward(y.data, gradOut.data, gx.data);
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

/** y = tanh(x). */
export function tanhForward(x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i] as number);
}

/** gx = g ∘ (1 − y²). */
export function tanhBackward(y: FloatArray, g: FloatArray, gx: FloatArray): void {
  for (let i = 0; i < y.length; i++) {
    const t = y[i] as number;
    gx[i] = (g[i] as number) * (1 - t * t);
  }
}
