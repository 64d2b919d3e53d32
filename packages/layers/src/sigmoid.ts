import type { FloatArray, FloatDType } from '@nabla/tensor';
import { ElementwiseActivation } from './elementwise-activation.js';

/**
 * σ(x) = 1 / (1 + e^−x), element-wise, computed without overflow for large |x|.
 * Backward uses the output: ∇X = ∇Y ∘ σ(x)(1 − σ(x)).
 */
export class Sigmoid<D extends FloatDType = FloatDType> extends ElementwiseActivation<D> {
  readonly name = 'Sigmoid';
  protected readonly saves = 'output';

  /** y = σ(x); e^−|x| never overflows. */
  protected forwardElements(x: FloatArray, y: FloatArray): void {
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
  protected backwardElements(y: FloatArray, g: FloatArray, gx: FloatArray): void {
    for (let i = 0; i < y.length; i++) {
      const s = y[i] as number;
      gx[i] = (g[i] as number) * s * (1 - s);
    }
  }
}
