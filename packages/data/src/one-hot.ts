import { formatShape, isTensor, ShapeError, Tensor } from '@nabla/tensor';

/**
 * One-hot encodes class labels: row i of the result is all zeros but a 1 in column `labels[i]`.
 * Pass `out` (a float32 tensor of shape [n, numClasses]) to write into a reused buffer, as in a
 * training loop; it is overwritten entirely.
 */
export function oneHot(
  labels: Tensor | ArrayLike<number>,
  numClasses: number,
  out?: Tensor<'float32'>,
): Tensor<'float32'> {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  let values: ArrayLike<number>;
  if (isTensor(labels)) {
    if (labels.rank !== 1) {
      throw new ShapeError(`oneHot: labels must be 1-D, got shape ${formatShape(labels.shape)}`);
    }
    values = labels.data;
  } else {
    values = labels;
  }
  const n = values.length;
  const result = out ?? new Tensor('float32', new Float32Array(n * numClasses), [n, numClasses]);
  if (
    result.dtype !== 'float32' ||
    result.rank !== 2 ||
    result.shape[0] !== n ||
    result.shape[1] !== numClasses
  ) {
    throw new ShapeError(
      `oneHot: out must be a float32 tensor of shape ${formatShape([n, numClasses])}, got ${result.dtype} ${formatShape(result.shape)}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const label = values[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(
        `oneHot: label ${label} at index ${i} is not an integer in [0, ${numClasses})`,
      );
    }
  }
  const data = result.data;
  data.fill(0);
  for (let i = 0; i < n; i++) data[i * numClasses + (values[i] as number)] = 1;
  return result;
}
