import type { FloatArray, FloatDType, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertElementwiseOperands, assertFinite, outputLike } from './checks.js';
import type { Loss, LossOutput } from './loss.js';

const NAME = 'mse';

/**
 * Mean squared error over all N elements (as PyTorch's default `mean` reduction):
 *
 *   loss = (1/N) Σ (x − y)²        ∇x = 2 (x − y) / N
 *
 * `target` must have the input's shape (either float dtype). NaN or ±Infinity in either is an
 * error.
 */
export function mse<D extends FloatDType>(
  input: Tensor<D>,
  target: Tensor<FloatDType>,
  options: { out?: Tensor<D> | undefined } = {},
): LossOutput<D> {
  checkOperands(input, target);
  const grad = outputLike(NAME, input, options.out);
  return { loss: mseKernel(input.data, target.data, grad.data), grad };
}

function checkOperands(input: Tensor, target: Tensor<FloatDType>): void {
  assertElementwiseOperands(NAME, 'input', input, target);
  assertFinite(NAME, 'target', target);
}

/** grad = 2(x − y)/N; returns Σ(x − y)²/N. */
export function mseKernel(x: FloatArray, y: FloatArray, grad: FloatArray): number {
  const n = x.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    total += d * d;
    grad[i] = (2 * d) / n;
  }
  return total / n;
}

/** `mse` as a `Loss` object reusing its gradient buffer (valid until the next `compute`). */
export class MeanSquaredError implements Loss<Tensor<FloatDType>> {
  readonly name = NAME;
  private readonly buffer = new ReusableBuffer();

  compute<D extends FloatDType>(input: Tensor<D>, target: Tensor<FloatDType>): LossOutput<D> {
    checkOperands(input, target);
    const grad = this.buffer.like(input);
    return { loss: mseKernel(input.data, target.data, grad.data), grad };
  }
}
