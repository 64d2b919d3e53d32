import { describe, expectTypeOf, it } from 'vitest';
import { arange, fromTypedArray, tensor, zeros } from './creation.js';
import { add } from './ops/binary.js';
import { matmul } from './ops/matmul.js';
import { argmax, sum } from './ops/reduce.js';
import { createRng, heNormal } from './random.js';
import type { Tensor } from './tensor.js';

describe('dtype inference', () => {
  it('carries the dtype through creation and ops', () => {
    expectTypeOf(tensor([1, 2])).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(tensor([1, 2], 'int32')).toEqualTypeOf<Tensor<'int32'>>();
    expectTypeOf(zeros([2], 'float64')).toEqualTypeOf<Tensor<'float64'>>();
    expectTypeOf(fromTypedArray(new Float64Array(2))).toEqualTypeOf<Tensor<'float64'>>();
    expectTypeOf(arange(3)).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(heNormal(createRng(0), [2, 2])).toEqualTypeOf<Tensor<'float32'>>();
    expectTypeOf(tensor([1]).data).toEqualTypeOf<Float32Array>();
    expectTypeOf(add(tensor([1], 'float64'), 2)).toEqualTypeOf<Tensor<'float64'>>();
    expectTypeOf(sum(tensor([1], 'int32'))).toEqualTypeOf<Tensor<'int32'>>();
    expectTypeOf(argmax(tensor([1]))).toEqualTypeOf<Tensor<'int32'>>();
  });

  it('refuses mixed dtypes and int32 matmul at compile time', () => {
    // @ts-expect-error float32 and float64 do not mix
    add(tensor([1]), tensor([1], 'float64'));
    // @ts-expect-error matmul is for float tensors
    matmul(tensor([[1]], 'int32'), tensor([[1]], 'int32'));
  });
});
