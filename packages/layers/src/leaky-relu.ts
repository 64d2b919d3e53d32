import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { ReusableBuffer } from './reusable-buffer.js';
import { loadParameterState } from './state-dict.js';

export interface LeakyReLUOptions {
  /** The slope for negative inputs (default 0.01), in [0, 1). */
  negativeSlope?: number;
}

/**
 * LeakyReLU(x) = x for x ≥ 0, αx for x < 0. The derivative is 1 for x ≥ 0 and α for x < 0; at
 * exactly 0 we take 1, like our ReLU.
 */
export class LeakyReLU<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name: string;
  readonly negativeSlope: number;
  private input: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(options: LeakyReLUOptions = {}) {
    const { negativeSlope = 0.01 } = options;
    if (!(negativeSlope >= 0 && negativeSlope < 1)) {
      throw new RangeError(`LeakyReLU: negativeSlope must be in [0, 1), got ${negativeSlope}`);
    }
    this.negativeSlope = negativeSlope;
    this.name = `LeakyReLU(${negativeSlope})`;
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const y = this.out.like(x);
    leakyReluForward(x.data, y.data, this.negativeSlope);
    this.input = x;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const x = lastForward(this.name, this.input);
    assertGradOut(this.name, gradOut, x.shape, x.dtype);
    const gx = this.gradIn.like(x);
    leakyReluBackward(x.data, gradOut.data, gx.data, this.negativeSlope);
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

/** y = x for x ≥ 0, αx otherwise. */
export function leakyReluForward(x: FloatArray, y: FloatArray, alpha: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    y[i] = v >= 0 ? v : alpha * v;
  }
}

/** gx = g for x ≥ 0, αg otherwise. */
export function leakyReluBackward(
  x: FloatArray,
  g: FloatArray,
  gx: FloatArray,
  alpha: number,
): void {
  for (let i = 0; i < x.length; i++) {
    const gi = g[i] as number;
    gx[i] = (x[i] as number) >= 0 ? gi : alpha * gi;
  }
}
