import { Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { DataLoader } from './data-loader.js';
import { Subset } from './subset.js';
import { TensorDataset } from './tensor-dataset.js';

const y = new Tensor(
  'int32',
  Int32Array.from({ length: 10 }, (_, i) => 100 + i),
  [10],
);
const source = new TensorDataset(y);

describe('Subset', () => {
  it('maps its items to the source indices given, in that order', () => {
    const s = new Subset(source, [7, 2, 2, 9]);
    expect(s.length).toBe(4);
    expect(s.get(0)[0].item()).toBe(107);
    expect(s.get(3)[0].item()).toBe(109);
    const batch = s.createBatch(3);
    s.fillBatch(batch, Int32Array.of(3, 1, 0), 0, 3);
    expect(Array.from(batch[0].data)).toEqual([109, 102, 107]);
  });

  it('batches through a DataLoader', () => {
    const s = new Subset(source, Int32Array.of(5, 6, 7, 8, 9));
    const values = [...new DataLoader(s, { batchSize: 2, reuseBuffers: false })].map(([t]) =>
      Array.from(t.data),
    );
    expect(values).toEqual([[105, 106], [107, 108], [109]]);
  });

  it('copies the indices it was given', () => {
    const indices = [1, 2];
    const s = new Subset(source, indices);
    indices[0] = 9;
    expect(s.get(0)[0].item()).toBe(101);
  });

  it('rejects indices outside the source and positions outside itself', () => {
    expect(() => new Subset(source, [0, 10])).toThrow(
      'index 10 is out of range for a data set of 10 items',
    );
    expect(() => new Subset(source, [1.5])).toThrow(
      'index 1.5 at position 0 is not a 32-bit integer',
    );
    const s = new Subset(source, [1, 2]);
    expect(() => s.get(2)).toThrow('Subset.get: index 2 is out of range');
    expect(() => s.fillBatch(s.createBatch(1), Int32Array.of(5), 0, 1)).toThrow(
      'Subset.fillBatch: index 5',
    );
  });
});
