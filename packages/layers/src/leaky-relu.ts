import type { FloatArray, FloatDType } from '@nabla/tensor';
import { ElementwiseActivation } from './elementwise-activation.js';

/** Options of `new LeakyReLU(options)`. */
export interface LeakyReLUOptions {
  /** The slope for negative inputs (default 0.01), in [0, 1). */
  negativeSlope?: number | undefined;
}

/**
 * LeakyReLU(x) = x for x ≥ 0, αx for x < 0. The derivative is 1 for x ≥ 0 and α for x < 0; at
 * exactly 0 we take 1, like our ReLU.
 */
export class LeakyReLU<D extends FloatDType = FloatDType> extends ElementwiseActivation<D> {
  readonly name: string;
  readonly negativeSlope: number;
  protected readonly saves = 'input';

  constructor(options: LeakyReLUOptions = {}) {
    super();
    const { negativeSlope = 0.01 } = options;
    if (!(negativeSlope >= 0 && negativeSlope < 1)) {
      throw new RangeError(`LeakyReLU: negativeSlope must be in [0, 1), got ${negativeSlope}`);
    }
    this.negativeSlope = negativeSlope;
    this.name = `LeakyReLU(${negativeSlope})`;
  }

  /** y = x for x ≥ 0, αx otherwise. */
  protected forwardElements(x: FloatArray, y: FloatArray): void {
    const alpha = this.negativeSlope;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      y[i] = v >= 0 ? v : alpha * v;
    }
  }

  /** gx = g for x ≥ 0, αg otherwise. */
  protected backwardElements(x: FloatArray, g: FloatArray, gx: FloatArray): void {
    const alpha = this.negativeSlope;
    for (let i = 0; i < x.length; i++) {
      const gi = g[i] as number;
      gx[i] = (x[i] as number) >= 0 ? gi : alpha * gi;
    }
  }
}
