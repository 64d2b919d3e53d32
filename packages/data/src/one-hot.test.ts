import { ShapeError, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { oneHot } from './one-hot.js';

describe('oneHot', () => {
  it('puts a single 1 in the label’s column', () => {
    const t = oneHot(new Tensor('int32', Int32Array.of(2, 0, 1), [3]), 3);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(oneHot([1], 2).toArray()).toEqual([[0, 1]]);
  });

  it('overwrites a reused output entirely', () => {
    const out = new Tensor('float32', new Float32Array(4).fill(7), [2, 2]);
    expect(oneHot(Uint8Array.of(1, 0), 2, out)).toBe(out);
    expect(out.toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('rejects labels out of range and an output of the wrong shape, naming them', () => {
    expect(() => oneHot([0, 10], 10)).toThrow('label 10 at index 1 is not an integer in [0, 10)');
    expect(() => oneHot([0.5], 10)).toThrow('label 0.5 at index 0');
    const out = new Tensor('float32', new Float32Array(6), [2, 3]);
    expect(() => oneHot([0, 1], 2, out)).toThrow(ShapeError);
    expect(() => oneHot([0, 1], 2, out)).toThrow(
      'out must be a float32 tensor of shape [2,2], got float32 [2,3]',
    );
    expect(() => oneHot(new Tensor('int32', new Int32Array(4), [2, 2]), 2)).toThrow(
      'labels must be 1-D',
    );
  });
});
