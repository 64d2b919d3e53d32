import { ShapeError, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { TensorDataset } from './tensor-dataset.js';

const x = new Tensor(
  'float64',
  Float64Array.from({ length: 12 }, (_, i) => i / 2),
  [4, 3],
);
const y = new Tensor('int32', Int32Array.of(10, 11, 12, 13), [4]);

describe('TensorDataset', () => {
  it('returns row i of each tensor as views', () => {
    const d = new TensorDataset(x, y);
    expect(d.length).toBe(4);
    const [xi, yi] = d.get(2);
    expect(xi.shape).toEqual([3]);
    expect(Array.from(xi.data)).toEqual([3, 3.5, 4]);
    expect(xi.data.buffer).toBe(x.data.buffer);
    expect(yi.shape).toEqual([]);
    expect(yi.item()).toBe(12);
  });

  it('gathers rows into batches of the same dtypes', () => {
    const d = new TensorDataset(x, y);
    const batch = d.createBatch(2);
    expect(batch[0].dtype).toBe('float64');
    expect(batch[0].shape).toEqual([2, 3]);
    expect(batch[1].dtype).toBe('int32');
    d.fillBatch(batch, Int32Array.of(9, 3, 0, 9), 1, 3);
    expect(batch[0].toArray()).toEqual([
      [4.5, 5, 5.5],
      [0, 0.5, 1],
    ]);
    expect(Array.from(batch[1].data)).toEqual([13, 10]);
  });

  it('leaves the tensors it was given untouched', () => {
    const before = Array.from(x.data);
    const d = new TensorDataset(x, y);
    const batch = d.createBatch(4);
    d.fillBatch(batch, Int32Array.of(3, 2, 1, 0), 0, 4);
    batch[0].data.fill(-1);
    expect(Array.from(x.data)).toEqual(before);
  });

  it('rejects tensors of different lengths and bad indices, naming them', () => {
    const short = new Tensor('int32', Int32Array.of(1, 2, 3), [3]);
    expect(() => new TensorDataset(x, short)).toThrow(ShapeError);
    expect(() => new TensorDataset(x, short)).toThrow(
      'tensor 0 has shape [4,3] but tensor 1 has [3]',
    );
    expect(() => new TensorDataset()).toThrow('expected at least one tensor');
    const d = new TensorDataset(x, y);
    expect(() => d.get(4)).toThrow('index 4 is out of range for a data set of 4 items');
    expect(() => d.fillBatch(d.createBatch(1), Int32Array.of(7), 0, 1)).toThrow(
      'index 7 is out of range',
    );
    expect(() => d.fillBatch(d.createBatch(1), Int32Array.of(0, 1), 0, 2)).toThrow(
      /expected 6 for 2 rows/,
    );
  });
});
