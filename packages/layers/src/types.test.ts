// Type-level checks (run by `tsc --noEmit`, which covers test files) plus the runtime facts
// they describe: dtype-agnostic layers take the dtype of the model they are placed in.
import type { Parameter, Tensor } from '@nabla/tensor';
import { createRng, zeros } from '@nabla/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Dropout, type Layer, Linear, ReLU, Sequential, Tanh } from './index.js';

describe('typing', () => {
  const rng = createRng(0);
  const ctx = { training: false };

  it('a float32 model maps float32 tensors to float32 tensors', () => {
    const model = new Sequential(
      new Linear(4, 3, { rng }),
      new ReLU(),
      new Dropout(0.1),
      new Linear(3, 2, { rng }),
    );
    const y = model.forward(zeros([2, 4]), ctx);
    expectTypeOf(model).toEqualTypeOf<Sequential<'float32'>>();
    expectTypeOf(y).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(model.parameters()).toEqualTypeOf<readonly Parameter<'float32'>[]>();
    expect(y.dtype).toBe('float32');
  });

  it('a float64 model maps float64 tensors to float64 tensors', () => {
    const model = new Sequential(new Linear(4, 3, { rng, dtype: 'float64' }), new Tanh());
    const y = model.forward(zeros([2, 4], 'float64'), ctx);
    expectTypeOf(y).toEqualTypeOf<Tensor<'float64'>>();
    expect(y.dtype).toBe('float64');
  });

  it('every built-in layer is a Layer', () => {
    expectTypeOf(new Linear(1, 1, { rng })).toMatchTypeOf<Layer<'float32'>>();
    expectTypeOf(new ReLU<'float64'>()).toMatchTypeOf<Layer<'float64'>>();
  });
});
