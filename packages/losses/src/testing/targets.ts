import type { Rng, Shape, Tensor } from '@nabla/tensor';
import { randomInt, Tensor as TensorClass } from '@nabla/tensor';

/** Random int32 class labels for scores of shape [m, C]. */
export function randomLabels(rng: Rng, shape: Shape): Tensor<'int32'> {
  const [m = 0, c = 1] = shape;
  const labels = new Int32Array(m);
  for (let i = 0; i < m; i++) labels[i] = randomInt(rng, c);
  return new TensorClass('int32', labels, [m]);
}

/** Random class-probability rows (non-negative, each summing to 1) of shape [m, C], float64. */
export function randomProbabilities(rng: Rng, shape: Shape): Tensor<'float64'> {
  const [m = 0, c = 1] = shape;
  const data = new Float64Array(m * c);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const v = rng.next() + 0.01;
      data[i * c + j] = v;
      sum += v;
    }
    for (let j = 0; j < c; j++) data[i * c + j] = (data[i * c + j] as number) / sum;
  }
  return new TensorClass('float64', data, [m, c]);
}
