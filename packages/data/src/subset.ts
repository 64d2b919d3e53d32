import { type BatchDataset, checkIndex } from './dataset.js';

/**
 * The items of `source` at the given indices, in that order: item `i` of the subset is item
 * `indices[i]` of the source. Batches are made and filled by the source, so a subset of an
 * {@link MnistDataset} batches as fast and as allocation-free as the data set itself.
 */
export class Subset<T, B> implements BatchDataset<T, B> {
  readonly source: BatchDataset<T, B>;
  /** A copy of the indices given. */
  readonly indices: Int32Array;
  private mapped = new Int32Array(0);

  constructor(source: BatchDataset<T, B>, indices: Int32Array | readonly number[]) {
    const copy = Int32Array.from(indices);
    for (let i = 0; i < copy.length; i++) {
      if (copy[i] !== indices[i]) {
        throw new RangeError(
          `Subset: index ${indices[i]} at position ${i} is not a 32-bit integer`,
        );
      }
      checkIndex(copy[i] as number, source.length, 'Subset');
    }
    this.source = source;
    this.indices = copy;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex(index, this.indices.length, 'Subset.get');
    return this.source.get(this.indices[index] as number);
  }

  createBatch(size: number): B {
    return this.source.createBatch(size);
  }

  fillBatch(batch: B, indices: Int32Array, start: number, end: number): void {
    const count = end - start;
    if (this.mapped.length < count) this.mapped = new Int32Array(count);
    const mapped = this.mapped;
    const own = this.indices;
    for (let k = 0; k < count; k++) {
      const i = indices[start + k] as number;
      if (!(i >= 0 && i < own.length)) checkIndex(i, own.length, 'Subset.fillBatch');
      mapped[k] = own[i] as number;
    }
    this.source.fillBatch(batch, mapped, 0, count);
  }
}
