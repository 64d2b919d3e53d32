import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '../creation.js';
import { argmax, max, mean, min, sum } from './reduce.js';

describe('reductions', () => {
  const a = tensor([
    [1, 5, 3],
    [4, 2, 6],
  ]);

  it('reduces along each axis and over everything (worked by hand)', () => {
    expect(sum(a).item()).toBe(21);
    expect(sum(a, { axis: 0 }).toArray()).toEqual([5, 7, 9]);
    expect(sum(a, { axis: 1 }).toArray()).toEqual([9, 12]);
    expect(sum(a, { axis: -1, keepdims: true }).toArray()).toEqual([[9], [12]]);
    expect(mean(a, { axis: 0 }).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(max(a, { axis: 1 }).toArray()).toEqual([5, 6]);
    expect(min(a, { axis: 0 }).toArray()).toEqual([1, 2, 3]);
    expect(argmax(a, { axis: 1 }).toArray()).toEqual([1, 2]);
    expect(argmax(a).item()).toBe(5);
    expect(sum(a, { keepdims: true }).shape).toEqual([1, 1]);
  });

  it('propagates NaN in max/argmax rather than hiding it', () => {
    const t = tensor([1, Number.NaN, 3]);
    expect(Number.isNaN(max(t).item())).toBe(true);
    expect(argmax(t).item()).toBe(1);
  });

  it('gives clear errors for bad axes and empty reductions', () => {
    expect(() => sum(a, { axis: 2 })).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => max(zeros([0, 3]), { axis: 0 })).toThrow('max: cannot reduce an empty axis');
  });

  it('agrees with a naive reference on random 3-D shapes and axes', () => {
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
        ),
        fc.integer({ min: -3, max: 2 }),
        fc.boolean(),
        (shape, axis, keepdims) => {
          const [d0, d1, d2] = shape;
          const t = arange(0, d0 * d1 * d2, 1, 'float64').reshape(shape);
          const v = (i: number, j: number, k: number) => (i * d1 + j) * d2 + k;
          const ax = (axis + 3) % 3;
          const got = sum(t, { axis, keepdims });
          const outShape = shape.filter((_, i) => i !== ax);
          expect(got.shape).toEqual(keepdims ? shape.map((d, i) => (i === ax ? 1 : d)) : outShape);
          const flat: number[] = [];
          for (let i = 0; i < (ax === 0 ? 1 : d0); i++)
            for (let j = 0; j < (ax === 1 ? 1 : d1); j++)
              for (let k = 0; k < (ax === 2 ? 1 : d2); k++) {
                let s = 0;
                for (let r = 0; r < shape[ax]!; r++)
                  s += v(ax === 0 ? r : i, ax === 1 ? r : j, ax === 2 ? r : k);
                flat.push(s);
              }
          expect(Array.from(got.data)).toEqual(flat);
        },
      ),
    );
  });
});
