import type { FloatDType, Tensor } from '@nabla/tensor';
import { shapesEqual, zerosLike } from '@nabla/tensor';

/**
 * The gradient buffer a loss object reuses: the same tensor while the input's dtype and shape
 * stay the same, so computing a loss allocates no gradient in steady state.
 */
export class GradBuffer {
  private current: Tensor<FloatDType> | undefined;

  like<D extends FloatDType>(input: Tensor<D>): Tensor<D> {
    const cur = this.current;
    if (cur !== undefined && cur.dtype === input.dtype && shapesEqual(cur.shape, input.shape)) {
      return cur as Tensor<D>;
    }
    const next = zerosLike(input);
    this.current = next;
    return next;
  }
}
