import type { FloatDType, Parameter, Shape, Tensor } from '@nabla/tensor';
import { formatShape, ShapeError, shapesEqual } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { loadParameterState } from './state-dict.js';

/**
 * Flattens every axis after the first: [n, d1, d2, …] → [n, d1·d2·…]. Forward returns a view of
 * the input and backward a view of the incoming gradient (no copies); the views are cached, so
 * passing the same tensors again allocates nothing.
 */
export class Flatten<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name = 'Flatten';
  private inputShape: Shape | undefined;
  private outputShape: Shape | undefined;
  private lastIn: { from: Tensor<D>; view: Tensor<D> } | undefined;
  private lastGrad: { from: Tensor<D>; view: Tensor<D> } | undefined;

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    if (x.rank < 1) {
      throw new ShapeError(
        `${this.name}: expected an input with a batch axis, got shape ${formatShape(x.shape)}`,
      );
    }
    if (this.lastIn?.from !== x) {
      const n = x.shape[0] as number;
      this.lastIn = { from: x, view: x.reshape([n, n === 0 ? 0 : x.size / n]) };
    }
    this.inputShape = x.shape;
    this.outputShape = this.lastIn.view.shape;
    return this.lastIn.view;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const inputShape = lastForward(this.name, this.inputShape);
    assertGradOut(this.name, gradOut, this.outputShape as Shape, gradOut.dtype);
    if (this.lastGrad?.from !== gradOut || !shapesEqual(this.lastGrad.view.shape, inputShape)) {
      this.lastGrad = { from: gradOut, view: gradOut.reshape(inputShape) };
    }
    return this.lastGrad.view;
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
