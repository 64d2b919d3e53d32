import { createRng, permutation, type Rng } from '@nabla/tensor';
import type { BatchSource } from './dataset.js';

/** Options of `new DataLoader(source, options)`. */
export interface DataLoaderOptions {
  /** Items per batch, a positive integer. */
  batchSize: number;
  /** Visit the items in a new random order every epoch (default false: in order). */
  shuffle?: boolean | undefined;
  /**
   * Seed of the shuffle. Epoch `e` is shuffled with a generator derived from (seed, e), so the
   * same seed gives the same sequence of orders on every run, and `epoch(e)` can replay any one.
   */
  seed?: number | undefined;
  /** A generator to draw each epoch's order from instead of `seed` (advanced by every epoch). */
  rng?: Rng | undefined;
  /** Leave out the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean | undefined;
  /**
   * Refill the same batch object for every batch (default true). When false every batch is a
   * new object that stays valid, at the cost of an allocation per batch.
   */
  reuseBuffers?: boolean | undefined;
}

/** A 32-bit seed for epoch `epoch` of a loader seeded with `seed`. */
function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ epoch;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Batches a data set, epoch after epoch. Iterating the loader (or calling `epoch()`) runs one
 * epoch: every item exactly once, in order or shuffled, in batches of `batchSize` (the last one
 * smaller unless `dropLast`).
 *
 * **Batches are reused buffers**: the object yielded is refilled in place by the next batch, so
 * use a batch before asking for the next one, and `clone()` its tensors to keep them (or pass
 * `reuseBuffers: false`). With the data sets of this package, gathering and converting a batch
 * allocates nothing.
 *
 * @example
 * const loader = new DataLoader(new MnistDataset(mnist.train), { batchSize: 64, shuffle: true, seed: 1 });
 * for (let e = 0; e < 3; e++) for (const { x, y } of loader) train(x, y);
 */
export class DataLoader<B> implements Iterable<B> {
  readonly source: BatchSource<B>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly reuseBuffers: boolean;
  private readonly seed: number | undefined;
  private readonly rng: Rng | undefined;
  private started = 0;
  private fullBatch: B | undefined;
  private lastBatch: { size: number; batch: B } | undefined;
  private identity = new Int32Array(0);

  constructor(source: BatchSource<B>, options: DataLoaderOptions) {
    const {
      batchSize,
      shuffle = false,
      dropLast = false,
      reuseBuffers = true,
      seed,
      rng,
    } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    if (seed !== undefined && rng !== undefined) {
      throw new TypeError('DataLoader: give either seed or rng, not both');
    }
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new TypeError(`DataLoader: seed must be an integer, got ${seed}`);
    }
    if (shuffle && seed === undefined && rng === undefined) {
      throw new TypeError(
        'DataLoader: shuffle needs a seed (or an rng), so that the order can be reproduced',
      );
    }
    this.source = source;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.reuseBuffers = reuseBuffers;
    this.seed = seed;
    this.rng = rng;
  }

  /** The number of batches in one epoch (for progress bars). */
  get length(): number {
    const n = this.source.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The number of epochs started so far, which is the index the next `epoch()` gets. */
  get epochsStarted(): number {
    return this.started;
  }

  /** Runs the next epoch. */
  [Symbol.iterator](): Iterator<B> {
    return this.epoch();
  }

  /**
   * Runs one epoch. Without an argument it is the next one; with a seed, `epoch(e)` replays epoch
   * `e` (its order depends only on the seed and `e`) and the following call continues at e + 1.
   * The order is fixed when `epoch()` is called.
   */
  epoch(index?: number): IterableIterator<B> {
    if (index !== undefined) {
      if (!Number.isInteger(index) || index < 0) {
        throw new RangeError(
          `DataLoader.epoch: index must be a non-negative integer, got ${index}`,
        );
      }
      if (this.rng !== undefined && index !== this.started) {
        throw new TypeError(
          'DataLoader.epoch: replaying an epoch by index needs a seed; this loader draws from an rng',
        );
      }
    }
    const e = index ?? this.started;
    this.started = e + 1;
    return this.run(this.order(e));
  }

  private order(epoch: number): Int32Array {
    const n = this.source.length;
    if (!this.shuffle) {
      if (this.identity.length !== n) {
        this.identity = new Int32Array(n);
        for (let i = 0; i < n; i++) this.identity[i] = i;
      }
      return this.identity;
    }
    const rng = this.rng ?? createRng(epochSeed(this.seed as number, epoch));
    return permutation(rng, n);
  }

  private *run(order: Int32Array): Generator<B, void, undefined> {
    const n = order.length;
    const size = this.batchSize;
    const end = this.dropLast ? n - (n % size) : n;
    for (let start = 0; start < end; start += size) {
      const stop = Math.min(start + size, n);
      const batch = this.batchFor(stop - start);
      this.source.fillBatch(batch, order, start, stop);
      yield batch;
    }
  }

  private batchFor(count: number): B {
    if (!this.reuseBuffers) return this.source.createBatch(count);
    if (count === this.batchSize) {
      this.fullBatch ??= this.source.createBatch(count);
      return this.fullBatch;
    }
    if (this.lastBatch?.size !== count) {
      this.lastBatch = { size: count, batch: this.source.createBatch(count) };
    }
    return this.lastBatch.batch;
  }
}
