// Plays the part of a user: a loss written outside the package with nothing but the public API
// (`@nabla/losses`, `@nabla/losses/testing`, `@nabla/tensor`), checked by the contract suite.
import type { Loss, LossOutput } from '@nabla/losses';
import { lossContract } from '@nabla/losses/testing';
import type { FloatDType, Tensor } from '@nabla/tensor';
import { formatShape, normal, ShapeError, shapesEqual, tensor, zerosLike } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';

/** Huber loss, mean over all elements: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond. */
class Huber implements Loss<Tensor<FloatDType>> {
  readonly name = 'huber';
  private grad: Tensor<FloatDType> | undefined;

  constructor(private readonly delta = 1) {}

  compute<D extends FloatDType>(input: Tensor<D>, target: Tensor<FloatDType>): LossOutput<D> {
    if (input.dtype !== 'float32' && input.dtype !== 'float64') {
      throw new TypeError(`huber: input must be float32 or float64, got ${input.dtype}`);
    }
    for (let i = 0; i < input.size; i++) {
      if (!Number.isFinite(input.data[i])) {
        throw new RangeError(`huber: input must be finite, found ${input.data[i]} at ${i}`);
      }
    }
    if (!shapesEqual(input.shape, target.shape)) {
      throw new ShapeError(
        `huber: target ${formatShape(target.shape)} vs input ${formatShape(input.shape)}`,
      );
    }
    const grad = (
      this.grad?.dtype === input.dtype && shapesEqual(this.grad.shape, input.shape)
        ? this.grad
        : zerosLike(input)
    ) as Tensor<D>;
    this.grad = grad;
    const n = input.size;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = (input.data[i] as number) - (target.data[i] as number);
      const a = Math.abs(d);
      total += a <= this.delta ? 0.5 * d * d : this.delta * (a - 0.5 * this.delta);
      grad.data[i] = (a <= this.delta ? d : this.delta * Math.sign(d)) / n;
    }
    return { loss: total / n, grad };
  }
}

describe('a user-defined loss', () => {
  for (const check of lossContract({
    create: () => new Huber(0.5),
    inputShapes: [
      [3, 2],
      [5, 4],
    ],
    target: (rng, shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
    // d = [−0.5, 3] with δ = 0.5: ½·0.25 = 0.125 and 0.5·(3 − 0.25) = 1.375; mean 0.75.
    values: [
      {
        input: tensor([0, 3], 'float64'),
        target: tensor([0.5, 0], 'float64'),
        loss: 0.75,
        grad: tensor([-0.25, 0.25], 'float64'),
      },
    ],
  })) {
    it(`passes the contract suite: ${check.name}`, check.run);
  }

  it('computes what it says on a small example', () => {
    const { loss } = new Huber(1).compute(tensor([0, 3]), tensor([0.5, 0]));
    expect(loss).toBeCloseTo((0.125 + 2.5) / 2, 6);
  });

  it('rejects NaN, int32 and mismatched input with its name', () => {
    expect(() => new Huber().compute(tensor([Number.NaN]), tensor([0]))).toThrow(/huber: .*NaN/);
    expect(() => new Huber().compute(tensor([1], 'int32') as never, tensor([0]))).toThrow(
      /huber: .*int32/,
    );
    expect(() => new Huber().compute(tensor([1, 2]), tensor([0]))).toThrow(/huber: target/);
  });
});
