// Type-level checks (run by `tsc --noEmit`) plus the runtime facts they describe: a loss
// returns its gradient in the dtype of its input.
import type { Tensor } from '@nabla/tensor';
import { tensor, zeros } from '@nabla/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Loss, MeanSquaredError, SoftmaxCrossEntropy, softmaxCrossEntropy } from './index.js';

describe('typing', () => {
  it('the gradient has the dtype of the input', () => {
    const f32 = softmaxCrossEntropy(zeros([2, 3]), tensor([0, 1], 'int32'));
    const f64 = new SoftmaxCrossEntropy().compute(
      zeros([2, 3], 'float64'),
      tensor([
        [1, 0, 0],
        [0, 1, 0],
      ]),
    );
    expectTypeOf(f32.grad).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(f64.grad).toEqualTypeOf<Tensor<'float64'>>();
    expect([f32.grad.dtype, f64.grad.dtype]).toEqual(['float32', 'float64']);
  });

  it('the built-in losses are Loss implementations', () => {
    expectTypeOf(new SoftmaxCrossEntropy()).toMatchTypeOf<Loss<Tensor>>();
    expectTypeOf(new MeanSquaredError()).toMatchTypeOf<Loss<Tensor<'float32' | 'float64'>>>();
  });
});
