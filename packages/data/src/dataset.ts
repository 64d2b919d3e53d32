/** A data set: `length` items, each read with `get(i)` for `0 <= i < length` (PyTorch's contract). */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/**
 * Something a {@link DataLoader} can batch: it makes a batch object once per batch size and then
 * refills it in place, so a training loop allocates nothing per batch.
 */
export interface BatchSource<B> {
  readonly length: number;
  /** A new, empty batch of `size` items; the loader keeps it and refills it. */
  createBatch(size: number): B;
  /**
   * Writes the items `indices[start]`, …, `indices[end - 1]` into `batch` (made by
   * `createBatch(end - start)`), in that order.
   */
  fillBatch(batch: B, indices: Int32Array, start: number, end: number): void;
}

/** A data set that can also be batched: what the data sets of this package are. */
export interface BatchDataset<T, B> extends Dataset<T>, BatchSource<B> {}

/** Throws a RangeError naming `op` unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, op: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${op}: index ${index} is out of range for a data set of ${length} items`);
  }
}

/**
 * Lifts any {@link Dataset} into a {@link BatchDataset} whose batches are arrays of its items
 * (one reused array per batch size), for data sets that are not tensors.
 */
export function arrayBatches<T>(dataset: Dataset<T>): BatchDataset<T, T[]> {
  return {
    get length() {
      return dataset.length;
    },
    get: (index: number) => dataset.get(index),
    createBatch: (size: number) => new Array<T>(size),
    fillBatch(batch: T[], indices: Int32Array, start: number, end: number) {
      for (let k = start; k < end; k++) batch[k - start] = dataset.get(indices[k] as number);
    },
  };
}
