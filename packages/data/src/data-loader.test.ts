import { createRng, Tensor } from '@nabla/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataLoader } from './data-loader.js';
import { TensorDataset } from './tensor-dataset.js';

/** A data set whose item i is the integer i (y) and 2i, 2i + 1 (x), so batches reveal indices. */
function indexDataset(n: number): TensorDataset<[Tensor<'float32'>, Tensor<'int32'>]> {
  const x = new Tensor(
    'float32',
    Float32Array.from({ length: 2 * n }, (_, i) => i),
    [n, 2],
  );
  const y = new Tensor(
    'int32',
    Int32Array.from({ length: n }, (_, i) => i),
    [n],
  );
  return new TensorDataset(x, y);
}

/** The item indices of one epoch, batch by batch (copied out of the reused buffers). */
function epochIndices(epoch: Iterable<readonly [Tensor, Tensor]>): number[][] {
  const batches: number[][] = [];
  for (const [x, y] of epoch) {
    const ids = Array.from(y.data);
    ids.forEach((id, b) => {
      expect([x.data[2 * b], x.data[2 * b + 1]]).toEqual([2 * id, 2 * id + 1]);
    });
    batches.push(ids);
  }
  return batches;
}

const sorted = (a: number[]) => [...a].sort((p, q) => p - q);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('DataLoader', () => {
  it('visits every index exactly once per epoch, for any size, batch size and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer(),
        fc.boolean(),
        (n, batchSize, seed, shuffle) => {
          const loader = new DataLoader(indexDataset(n), { batchSize, shuffle, seed });
          for (let e = 0; e < 2; e++) {
            const batches = epochIndices(loader);
            expect(batches.length).toBe(loader.length);
            expect(batches.length).toBe(Math.ceil(n / batchSize));
            expect(sorted(batches.flat())).toEqual(range(n));
            for (const b of batches.slice(0, -1)) expect(b.length).toBe(batchSize);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the last partial batch by default and drops it with dropLast', () => {
    const kept = epochIndices(new DataLoader(indexDataset(10), { batchSize: 4 }));
    expect(kept.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(kept.flat()).toEqual(range(10));

    const loader = new DataLoader(indexDataset(10), {
      batchSize: 4,
      dropLast: true,
      shuffle: true,
      seed: 3,
    });
    expect(loader.length).toBe(2);
    const dropped = epochIndices(loader);
    expect(dropped.map((b) => b.length)).toEqual([4, 4]);
    expect(new Set(dropped.flat()).size).toBe(8);

    expect(new DataLoader(indexDataset(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(epochIndices(new DataLoader(indexDataset(3), { batchSize: 4, dropLast: true }))).toEqual(
      [],
    );
    expect(
      epochIndices(new DataLoader(indexDataset(8), { batchSize: 4, dropLast: true })).length,
    ).toBe(2);
  });

  it('shuffles into a new order every epoch', () => {
    const loader = new DataLoader(indexDataset(100), { batchSize: 10, shuffle: true, seed: 42 });
    const orders = [0, 1, 2].map(() => epochIndices(loader).flat());
    expect(orders[0]).not.toEqual(range(100));
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
    expect(loader.epochsStarted).toBe(3);
  });

  it('gives the same orders for the same seed and different ones for another seed', () => {
    const run = (seed: number) => {
      const loader = new DataLoader(indexDataset(50), { batchSize: 7, shuffle: true, seed });
      return [0, 1, 2].map(() => epochIndices(loader));
    };
    expect(run(123)).toEqual(run(123));
    expect(run(124)).not.toEqual(run(123));
  });

  it('replays epoch e by index, and continues from there', () => {
    const a = new DataLoader(indexDataset(30), { batchSize: 8, shuffle: true, seed: 9 });
    const orders = [0, 1, 2, 3].map(() => epochIndices(a).flat());
    const b = new DataLoader(indexDataset(30), { batchSize: 8, shuffle: true, seed: 9 });
    expect(epochIndices(b.epoch(2)).flat()).toEqual(orders[2]);
    expect(epochIndices(b).flat()).toEqual(orders[3]);
    expect(epochIndices(b.epoch(0)).flat()).toEqual(orders[0]);
  });

  it('draws each epoch from a given rng, reproducibly', () => {
    const run = () => {
      const loader = new DataLoader(indexDataset(20), {
        batchSize: 5,
        shuffle: true,
        rng: createRng(5),
      });
      return [epochIndices(loader).flat(), epochIndices(loader).flat()];
    };
    const [first, second] = run();
    expect(first).not.toEqual(second);
    expect(run()).toEqual([first, second]);
    const loader = new DataLoader(indexDataset(20), {
      batchSize: 5,
      shuffle: true,
      rng: createRng(5),
    });
    expect(() => loader.epoch(3)).toThrow(/replaying an epoch by index needs a seed/);
  });

  it('keeps items in order without shuffle', () => {
    expect(epochIndices(new DataLoader(indexDataset(7), { batchSize: 3 }))).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6],
    ]);
  });

  it('refills the same batch objects and buffers, one per batch size', () => {
    const loader = new DataLoader(indexDataset(10), { batchSize: 4, shuffle: true, seed: 1 });
    const seen = [...loader];
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
    const [full, last] = [seen[0], seen[2]] as [[Tensor, Tensor], [Tensor, Tensor]];
    expect(full[0].shape).toEqual([4, 2]);
    expect(last[0].shape).toEqual([2, 2]);
    const again = [...loader];
    expect(again[0]).toBe(full);
    expect(again[0]?.[0].data).toBe(full[0].data);
    expect(again[2]).toBe(last);
  });

  it('makes a new batch every time with reuseBuffers: false', () => {
    const loader = new DataLoader(indexDataset(10), { batchSize: 4, reuseBuffers: false });
    const batches = [...loader];
    expect(batches[0]).not.toBe(batches[1]);
    expect(batches.map(([, y]) => Array.from(y.data))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('fixes the order when epoch() is called, so two epochs can run side by side', () => {
    const loader = new DataLoader(indexDataset(12), {
      batchSize: 4,
      shuffle: true,
      seed: 2,
      reuseBuffers: false,
    });
    const first = loader.epoch();
    const second = loader.epoch();
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 0; k < 3; k++) {
      a.push(...(first.next().value as [Tensor, Tensor])[1].data);
      b.push(...(second.next().value as [Tensor, Tensor])[1].data);
    }
    expect(sorted(a)).toEqual(range(12));
    expect(sorted(b)).toEqual(range(12));
    expect(a).not.toEqual(b);
  });

  it('rejects bad options with errors that name them', () => {
    const d = indexDataset(4);
    expect(() => new DataLoader(d, { batchSize: 0 })).toThrow(
      'batchSize must be a positive integer, got 0',
    );
    expect(() => new DataLoader(d, { batchSize: 2.5 })).toThrow('got 2.5');
    expect(() => new DataLoader(d, { batchSize: 2, shuffle: true })).toThrow(
      'shuffle needs a seed',
    );
    expect(() => new DataLoader(d, { batchSize: 2, seed: 1, rng: createRng(1) })).toThrow(
      'either seed or rng',
    );
    expect(() => new DataLoader(d, { batchSize: 2, shuffle: true, seed: 0.5 })).toThrow(
      'seed must be an integer',
    );
    expect(() => new DataLoader(d, { batchSize: 2 }).epoch(-1)).toThrow('non-negative integer');
  });
});

describe('DataLoader shuffle is uniform', () => {
  // Every order of 3 items must be equally likely. Over 6,000 seeds (epoch 0) and 6,000 epochs of
  // one seed, each of the 6 orders is expected 1,000 times; a binomial count has a standard
  // deviation of 28.9, so [850, 1150] is ±5.2σ, and the χ² statistic (5 degrees of freedom) must
  // stay under 20.52, its 99.9th percentile. A biased shuffle (e.g. Fisher–Yates drawing j from
  // [0, n) instead of [0, i]) gives counts of 1/27…5/27 and a χ² in the thousands.
  const orderCounts = (orders: Iterable<string>): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const o of orders) counts.set(o, (counts.get(o) ?? 0) + 1);
    return counts;
  };
  const chiSquare = (counts: Map<string, number>, expected: number): number =>
    [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  const orderOf = (loader: DataLoader<[Tensor<'float32'>, Tensor<'int32'>]>, e: number): string =>
    Array.from(([...loader.epoch(e)][0] as [Tensor<'float32'>, Tensor<'int32'>])[1].data).join('');

  it('over many seeds', () => {
    const counts = orderCounts(
      Array.from({ length: 6000 }, (_, seed) =>
        orderOf(new DataLoader(indexDataset(3), { batchSize: 3, shuffle: true, seed }), 0),
      ),
    );
    expect([...counts.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(850);
    for (const c of counts.values()) expect(c).toBeLessThanOrEqual(1150);
    expect(chiSquare(counts, 1000)).toBeLessThan(20.52);
  });

  it('over many epochs of one seed', () => {
    const loader = new DataLoader(indexDataset(3), { batchSize: 3, shuffle: true, seed: 7 });
    const counts = orderCounts(Array.from({ length: 6000 }, (_, e) => orderOf(loader, e)));
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThanOrEqual(150);
    expect(chiSquare(counts, 1000)).toBeLessThan(20.52);
  });
});
