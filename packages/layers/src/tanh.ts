import type { FloatArray, FloatDType } from '@nabla/tensor';
import { ElementwiseActivation } from './elementwise-activation.js';

/** tanh(x), element-wise. Backward uses the output: ∇X = ∇Y ∘ (1 − tanh²(x)). */
export class Tanh<D extends FloatDType = FloatDType> extends ElementwiseActivation<D> {
  readonly name = 'Tanh';
  protected readonly saves = 'output';

  /** y = tanh(x). */
  protected forwardElements(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i] as number);
  }

  /** gx = g ∘ (1 − y²). */
  protected backwardElements(y: FloatArray, g: FloatArray, gx: FloatArray): void {
    for (let i = 0; i < y.length; i++) {
      const t = y[i] as number;
      gx[i] = (g[i] as number) * (1 - t * t);
    }
  }
}
