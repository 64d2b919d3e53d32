import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../creation.js';
import { add, div, equal, greater, less, maximum, minimum, mul, pow, sub } from './binary.js';

describe('binary ops with NumPy broadcasting', () => {
  it('broadcasts a row vector over a matrix (worked by hand)', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([10, 20, 30]);
    expect(add(a, b).toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
  });

  it('broadcasts a column against a row into an outer table', () => {
    const col = tensor([[1], [2], [3]]);
    const row = tensor([[10, 20]]);
    expect(mul(col, row).toArray()).toEqual([
      [10, 20],
      [20, 40],
      [30, 60],
    ]);
    expect(sub(row, col).toArray()).toEqual([
      [9, 19],
      [8, 18],
      [7, 17],
    ]);
  });

  it('broadcasts across three dimensions ([2,1,3] with [4,1])', () => {
    const a = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    const b = tensor([[0], [10], [20], [30]]);
    const r = add(a, b);
    expect(r.shape).toEqual([2, 4, 3]);
    expect(r.get(1, 2, 0)).toBe(24);
    expect(r.get(0, 3, 2)).toBe(33);
  });

  it('accepts scalar operands on either side', () => {
    const a = tensor([1, 2, 4]);
    expect(div(8, a).toArray()).toEqual([8, 4, 2]);
    expect(pow(a, 2).toArray()).toEqual([1, 4, 16]);
    expect(sub(a, 1).toArray()).toEqual([0, 1, 3]);
  });

  it('compares into a 1/0 mask of the operand dtype', () => {
    const a = tensor([1, 5, 3]);
    const b = tensor([2, 5, 1]);
    expect(greater(a, b).toArray()).toEqual([0, 0, 1]);
    expect(less(a, b).toArray()).toEqual([1, 0, 0]);
    expect(equal(a, b).toArray()).toEqual([0, 1, 0]);
    expect(maximum(a, b).toArray()).toEqual([2, 5, 3]);
    expect(minimum(a, b).toArray()).toEqual([1, 5, 1]);
  });

  it('does not modify inputs, and writes into out when given (even in place)', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([1, 1, 1]);
    const r = add(a, b);
    expect(a.toArray()).toEqual([1, 2, 3]);
    expect(r).not.toBe(a);
    add(a, b, a);
    expect(a.toArray()).toEqual([2, 3, 4]);
  });

  it('integer division truncates and refuses zero', () => {
    const a = tensor([7, -7], 'int32');
    expect(div(a, 2).toArray()).toEqual([3, -3]);
    expect(() => div(a, 0)).toThrow('integer division by zero');
  });

  it('names the op and both shapes when broadcasting fails, and rejects mixed dtypes', () => {
    expect(() => add(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(
      'add: shapes [1,3] and [2] cannot be broadcast',
    );
    expect(() => mul(tensor([1]), tensor([1], 'float64') as never)).toThrow('mul: dtypes differ');
    expect(() => add(tensor([1, 2]), tensor([1, 2]), tensor([0, 0, 0]))).toThrow(
      'add: out has shape [3], expected [2]',
    );
  });

  it('agrees with an index-by-index reference on random broadcastable shapes', () => {
    const dim = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(
        fc.array(dim, { minLength: 0, maxLength: 4 }),
        fc.array(fc.boolean(), { maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        (shape, ones, drop) => {
          const bShape = shape.slice(Math.min(drop, shape.length)).map((d, i) => (ones[i] ? 1 : d));
          const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
          const a = arange(0, size(shape), 1, 'float64').reshape(shape);
          const b = arange(0, size(bShape), 1, 'float64').reshape(bShape);
          const r = add(a, b);
          expect(r.shape).toEqual(shape);
          // reference: map each output index to b's index by hand
          const idx = new Array(shape.length).fill(0);
          for (let f = 0; f < r.size; f++) {
            let bi = 0;
            for (let k = 0; k < bShape.length; k++) {
              const ax = shape.length - bShape.length + k;
              bi = bi * bShape[k]! + (bShape[k] === 1 ? 0 : idx[ax]);
            }
            expect(r.data[f]).toBe(f + bi);
            for (let ax = shape.length - 1; ax >= 0; ax--) {
              idx[ax]++;
              if (idx[ax] < shape[ax]!) break;
              idx[ax] = 0;
            }
          }
        },
      ),
    );
  });
});
