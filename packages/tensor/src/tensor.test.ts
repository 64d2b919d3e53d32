import { describe, expect, it } from 'vitest';
import { allClose } from './all-close.js';
import { arange, eye, fromTypedArray, full, ones, tensor, zeros, zerosLike } from './creation.js';
import { concat } from './ops/concat.js';
import { transpose } from './ops/transpose.js';
import { Tensor } from './tensor.js';

describe('Tensor', () => {
  it('creates from nested arrays with the right shape and dtype', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(tensor([1, 2], 'int32').data).toBeInstanceOf(Int32Array);
    expect(tensor(3).shape).toEqual([]);
  });

  it('rejects ragged arrays, bad shapes and length mismatches with clear messages', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('ragged nested array at [1]');
    expect(() => zeros([2, -1])).toThrow('invalid shape [2,-1]: dimension 1 is -1');
    expect(() => zeros([1.5])).toThrow('expected a non-negative integer');
    expect(() => fromTypedArray(new Float32Array(5), [2, 3])).toThrow(
      'shape [2,3] needs 6 elements but the data has 5',
    );
    expect(() => new Tensor('float64', new Float32Array(1) as never, [1])).toThrow(
      'data is a float32 array',
    );
  });

  it('reshape is an O(1) view sharing memory, with -1 inference', () => {
    const t = arange(0, 6);
    const r = t.reshape([2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data.buffer).toBe(t.data.buffer);
    r.data[0] = 42;
    expect(t.data[0]).toBe(42);
    expect(() => t.reshape([4, -1])).toThrow('cannot reshape [6] (6 elements) to [4,-1]');
  });

  it('rows() is a batch view without copying', () => {
    const t = arange(0, 12).reshape([4, 3]);
    const b = t.rows(1, 3);
    expect(b.shape).toEqual([2, 3]);
    expect(b.toArray()).toEqual([
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(b.data.buffer).toBe(t.data.buffer);
    expect(() => t.rows(3, 5)).toThrow('rows: range [3, 5) is out of bounds for 4 rows');
  });

  it('creation helpers fill as documented', () => {
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([2], 7, 'int32').toArray()).toEqual([7, 7]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25, 'float64').toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(zerosLike(tensor([[1]], 'float64')).dtype).toBe('float64');
  });

  it('get, item and astype', () => {
    const t = tensor([[1.7, -2.5]]);
    expect(t.get(0, 1)).toBe(-2.5);
    expect(() => t.get(1, 0)).toThrow('index 1 is out of range for axis 0 of size 1');
    expect(t.astype('int32').toArray()).toEqual([[1, -2]]);
    expect(() => t.item()).toThrow('has 2 elements, not 1');
  });

  it('toString is readable and summarises large tensors', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe('Tensor(float32, [2,2])\n[[1, 2],\n [3, 4]]');
    expect(arange(100).toString()).toContain('...');
  });

  it('transpose and concat', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(transpose(a).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(concat([a, tensor([[7, 8, 9]])]).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(concat([a, tensor([[0], [0]])], 1).toArray()).toEqual([
      [1, 2, 3, 0],
      [4, 5, 6, 0],
    ]);
    expect(() => concat([a, tensor([[1, 2]])])).toThrow(
      'concat: tensor 1 has shape [1,2], incompatible with [2,3]',
    );
  });

  it('allClose follows rtol/atol and never calls NaN close', () => {
    const a = tensor([1, 2], 'float64');
    expect(allClose(a, tensor([1 + 1e-9, 2], 'float64'))).toBe(true);
    expect(allClose(a, tensor([1.1, 2], 'float64'))).toBe(false);
    expect(allClose(a, tensor([1.1, 2], 'float64'), { atol: 0.2 })).toBe(true);
    expect(allClose(tensor([Number.NaN]), tensor([Number.NaN]))).toBe(false);
    expect(allClose(a, tensor([1, 2, 3], 'float64'))).toBe(false);
  });
});
