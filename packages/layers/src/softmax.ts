import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { ReusableBuffer, ShapeError, softmax } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { loadParameterState } from './state-dict.js';

/**
 * Softmax over the last axis, for inference outputs (probabilities): each row becomes
 * exp(x − max) / Σ exp(x − max), stable for any finite logits.
 *
 * For training with cross-entropy use the fused `softmaxCrossEntropy` of `@nabla/losses` on the
 * logits instead (stabler and cheaper). This layer still has an exact backward,
 * ∇X = Y ∘ (∇Y − rowsum(∇Y ∘ Y)), so it can sit anywhere in a model.
 */
export class Softmax<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'Softmax';
  private output: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    if (x.rank < 1) throw new ShapeError(`${this.name}: expected at least one axis, got a scalar`);
    const y = softmax(x, { out: this.out.like(x) });
    this.output = y;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const y = lastForward(this.name, this.output);
    assertGradOut(this.name, gradOut, y.shape, y.dtype);
    const cols = y.shape[y.rank - 1] as number;
    const gx = this.gradIn.like(y);
    softmaxRowsBackward(y.data, gradOut.data, gx.data, cols === 0 ? 0 : y.size / cols, cols);
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

/** gx[i, :] = y[i, :] ∘ (g[i, :] − ⟨g[i, :], y[i, :]⟩). */
export function softmaxRowsBackward(
  y: FloatArray,
  g: FloatArray,
  gx: FloatArray,
  n: number,
  c: number,
): void {
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let dot = 0;
    for (let j = 0; j < c; j++) dot += (g[row + j] as number) * (y[row + j] as number);
    for (let j = 0; j < c; j++)
      gx[row + j] = (y[row + j] as number) * ((g[row + j] as number) - dot);
  }
}
