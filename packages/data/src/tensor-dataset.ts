import { allocate, formatShape, ShapeError, Tensor } from '@nabla/tensor';
import { type BatchDataset, checkIndex } from './dataset.js';

/**
 * An in-memory data set over tensors that share their first dimension (PyTorch's
 * `TensorDataset`): item `i` is row `i` of each tensor, as views; a batch is one tensor per input
 * with the batch size as first dimension, refilled in place by the {@link DataLoader}.
 *
 * @example new TensorDataset(x, y) // x: [n, 784] float32, y: [n] int32
 */
export class TensorDataset<T extends readonly Tensor[]> implements BatchDataset<T, T> {
  readonly tensors: T;
  readonly length: number;
  private readonly rowSizes: number[];

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor');
    const first = tensors[0] as Tensor;
    if (first.rank === 0)
      throw new ShapeError('TensorDataset: tensor 0 is a scalar; expected rank >= 1');
    const n = first.shape[0] as number;
    tensors.forEach((t, k) => {
      if (t.rank === 0 || t.shape[0] !== n) {
        throw new ShapeError(
          `TensorDataset: every tensor needs the same first dimension; tensor 0 has shape ${formatShape(first.shape)} but tensor ${k} has ${formatShape(t.shape)}`,
        );
      }
    });
    this.tensors = tensors;
    this.length = n;
    this.rowSizes = tensors.map((t) => (n === 0 ? 0 : t.size / n));
  }

  /** Row `index` of each tensor, as views sharing memory with the data set. */
  get(index: number): T {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t, k) => {
      const rowSize = this.rowSizes[k] as number;
      const data = t.data.subarray(index * rowSize, (index + 1) * rowSize);
      return new Tensor(t.dtype, data, t.shape.slice(1));
    }) as unknown as T;
  }

  createBatch(size: number): T {
    return this.tensors.map((t, k) => {
      const data = allocate(t.dtype, size * (this.rowSizes[k] as number));
      return new Tensor(t.dtype, data, [size, ...t.shape.slice(1)]);
    }) as unknown as T;
  }

  fillBatch(batch: T, indices: Int32Array, start: number, end: number): void {
    const n = this.length;
    for (let k = 0; k < this.tensors.length; k++) {
      const src = (this.tensors[k] as Tensor).data;
      const dst = (batch[k] as Tensor).data;
      const rowSize = this.rowSizes[k] as number;
      if (dst.length !== (end - start) * rowSize) {
        throw new ShapeError(
          `TensorDataset.fillBatch: batch tensor ${k} has ${dst.length} elements, expected ${(end - start) * rowSize} for ${end - start} rows`,
        );
      }
      for (let b = start, o = 0; b < end; b++) {
        const row = indices[b] as number;
        if (!(row >= 0 && row < n)) checkIndex(row, n, 'TensorDataset.fillBatch');
        for (let j = row * rowSize, e = j + rowSize; j < e; j++, o++) dst[o] = src[j] as number;
      }
    }
  }
}
