import type { FloatArray, FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { loadParameterState } from './state-dict.js';

/**
 * The bookkeeping every element-wise activation shares (ReLU, LeakyReLU, Sigmoid, Tanh): the
 * float input check, reusable output and input-gradient buffers, the tensor backward needs (the
 * input or the output, whichever its derivative is cheaper from), the gradient checks, and no
 * parameters. A subclass gives its name, which tensor it `saves`, and two loops: the forward
 * formula and its derivative.
 *
 * The recommended base for a new element-wise activation (see CONTRIBUTING.md); any other layer
 * implements {@link Layer} directly.
 *
 * @example
 * ```ts
 * class Softsign extends ElementwiseActivation {
 *   readonly name = 'Softsign';
 *   protected readonly saves = 'input';
 *   protected forwardElements(x: FloatArray, y: FloatArray): void {
 *     for (let i = 0; i < x.length; i++) y[i] = x[i]! / (1 + Math.abs(x[i]!));
 *   }
 *   protected backwardElements(x: FloatArray, g: FloatArray, gx: FloatArray): void {
 *     for (let i = 0; i < x.length; i++) gx[i] = g[i]! / (1 + Math.abs(x[i]!)) ** 2;
 *   }
 * }
 * ```
 */
export abstract class ElementwiseActivation<D extends FloatDType = FloatDType> implements Layer<D> {
  abstract readonly name: string;
  /** What backward computes the derivative from: the forward's input x or its output y. */
  protected abstract readonly saves: 'input' | 'output';
  private saved: Tensor<D> | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  /** y = f(x), element by element (`y` has the length of `x`). */
  protected abstract forwardElements(x: FloatArray, y: FloatArray): void;

  /** gx = g ∘ f′, element by element, from the saved input or output `s`. */
  protected abstract backwardElements(s: FloatArray, g: FloatArray, gx: FloatArray): void;

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const y = this.out.like(x);
    this.forwardElements(x.data, y.data);
    this.saved = this.saves === 'input' ? x : y;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const s = lastForward(this.name, this.saved);
    assertGradOut(this.name, gradOut, s.shape, s.dtype);
    const gx = this.gradIn.like(s);
    this.backwardElements(s.data, gradOut.data, gx.data);
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
