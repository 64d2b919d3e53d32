import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '../creation.js';
import { createRng, normal } from '../random.js';
import { Tensor } from '../tensor.js';
import { logSoftmax, softmax } from './softmax.js';

/** softmax of one lane in plain float64 arithmetic, straight from the definition. */
function naiveSoftmax(lane: readonly number[]): number[] {
  const e = lane.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('softmax', () => {
  it('normalises each row of the last axis (worked by hand)', () => {
    // [0, ln 2, 0] → e = [1, 2, 1] / 4;  [ln 3, 0, 0] → e = [3, 1, 1] / 5
    const p = softmax(
      tensor(
        [
          [0, Math.log(2), 0],
          [Math.log(3), 0, 0],
        ],
        'float64',
      ),
    );
    expect(p.dtype).toBe('float64');
    expect(p.shape).toEqual([2, 3]);
    const want = [0.25, 0.5, 0.25, 0.6, 0.2, 0.2];
    want.forEach((v, i) => {
      expect(p.data[i]).toBeCloseTo(v, 15);
    });
  });

  it('is stable for logits of ±1e4 in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const p = softmax(
        tensor(
          [
            [1e4, -1e4, 0],
            [1e4, 1e4, -1e4],
          ],
          dtype,
        ),
      );
      expect(p.toArray()).toEqual([
        [1, 0, 0],
        [0.5, 0.5, 0],
      ]);
      // All very negative: exp(x) alone would underflow to 0/0.
      const low = softmax(tensor([[-1e4, -1e4, -1e4 - 2]], dtype));
      expect(low.data[0]).toBeCloseTo(1 / (2 + Math.exp(-2)), 6);
      expect(low.data[2]).toBeCloseTo(Math.exp(-2) / (2 + Math.exp(-2)), 6);
    }
  });

  it('normalises along any axis: axis 0 and the middle axis of a 3-D tensor', () => {
    const x = normal(createRng(3), [2, 3, 4], 0, 2, { dtype: 'float64' });
    const flat = (i: number, j: number, k: number): number => (i * 3 + j) * 4 + k;
    const expectLane = (p: Tensor<'float64'>, places: number[]): void => {
      const want = naiveSoftmax(places.map((f) => x.data[f] as number));
      want.forEach((v, n) => {
        expect(p.data[places[n] as number]).toBeCloseTo(v, 14);
      });
    };
    const p0 = softmax(x, { axis: 0 });
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 4; k++) expectLane(p0, [flat(0, j, k), flat(1, j, k)]);
    }
    for (const axis of [1, -2]) {
      const p1 = softmax(x, { axis });
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 4; k++)
          expectLane(
            p1,
            [0, 1, 2].map((j) => flat(i, j, k)),
          );
      }
    }
  });

  it('agrees with the definition and sums to 1 on random rows (shift by the max is exact)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 12 }),
        (row) => {
          const p = softmax(tensor([row], 'float64'));
          const want = naiveSoftmax(row);
          let s = 0;
          want.forEach((v, j) => {
            const got = p.data[j] as number;
            expect(Math.abs(got - v)).toBeLessThanOrEqual(1e-14 + 1e-12 * v);
            s += got;
          });
          expect(s).toBeCloseTo(1, 12);
        },
      ),
    );
  });

  it('gives −Infinity entries probability 0 and makes a lane with NaN all NaN', () => {
    expect(softmax(tensor([[0, Number.NEGATIVE_INFINITY, 0]], 'float64')).toArray()).toEqual([
      [0.5, 0, 0.5],
    ]);
    const p = softmax(
      tensor(
        [
          [1, Number.NaN, 2],
          [0, 0, 0],
        ],
        'float64',
      ),
    );
    expect(Array.from(p.data.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    for (const v of p.data.subarray(3)) expect(v).toBeCloseTo(1 / 3, 15);
  });

  it('writes into out, may run in place, and leaves its input alone otherwise', () => {
    const x = tensor([[1, 2, 3]], 'float64');
    const out = zeros([1, 3], 'float64');
    expect(softmax(x, { out })).toBe(out);
    expect(x.toArray()).toEqual([[1, 2, 3]]);
    const inPlace = tensor([[1, 2, 3]], 'float64');
    expect(softmax(inPlace, { out: inPlace })).toBe(inPlace);
    expect(inPlace.toArray()).toEqual(out.toArray());
    const logInPlace = tensor([[1, 2, 3]], 'float64');
    logSoftmax(logInPlace, { out: logInPlace });
    logInPlace.data.forEach((v, j) => {
      expect(v).toBeCloseTo(Math.log(out.data[j] as number), 14);
    });
  });

  it('handles empty tensors (nothing to normalise)', () => {
    expect(softmax(zeros([0, 3])).shape).toEqual([0, 3]);
    expect(softmax(zeros([2, 0])).shape).toEqual([2, 0]);
  });

  it('gives clear errors for int32, scalars, bad axes and a mismatched out', () => {
    const int = new Tensor('int32', new Int32Array([1, 2]), [2]) as unknown as Tensor<'float32'>;
    expect(() => softmax(int)).toThrow(
      "softmax: needs a float tensor, got int32; convert with astype('float32')",
    );
    expect(() => softmax(tensor(1))).toThrow('softmax: expected at least one axis, got a scalar');
    expect(() => logSoftmax(zeros([2, 3]), { axis: 2 })).toThrow(
      'logSoftmax: axis 2 is out of range for a tensor of rank 2',
    );
    expect(() => softmax(zeros([2, 3]), { out: zeros([3, 2]) })).toThrow(
      'softmax: out has shape [3,2], expected [2,3]',
    );
    expect(() =>
      softmax(zeros([2, 3], 'float32'), {
        out: zeros([2, 3], 'float64') as unknown as Tensor<'float32'>,
      }),
    ).toThrow('softmax: out has dtype float64, expected float32');
  });
});

describe('logSoftmax', () => {
  it('is x − log Σ exp x (worked by hand)', () => {
    // [0, ln 2, 0]: log Σ exp = log 4, so the result is [−ln 4, −ln 2, −ln 4]
    const lp = logSoftmax(tensor([[0, Math.log(2), 0]], 'float64'));
    expect(lp.data[0]).toBeCloseTo(-Math.log(4), 15);
    expect(lp.data[1]).toBeCloseTo(-Math.log(2), 15);
    expect(lp.data[2]).toBeCloseTo(-Math.log(4), 15);
  });

  it('stays finite for logits of ±1e4, where log(softmax) would give −Infinity', () => {
    expect(logSoftmax(tensor([[1e4, -1e4]], 'float64')).toArray()).toEqual([[0, -2e4]]);
    expect(logSoftmax(tensor([[1e4, -1e4]], 'float32')).toArray()).toEqual([[0, -2e4]]);
    expect(Math.log(softmax(tensor([[1e4, -1e4]], 'float64')).data[1] as number)).toBe(
      Number.NEGATIVE_INFINITY,
    );
  });

  it('equals log(softmax) along the chosen axis on moderate logits', () => {
    const x = normal(createRng(9), [3, 5], 0, 3, { dtype: 'float64' });
    for (const axis of [0, 1]) {
      const p = softmax(x, { axis });
      const lp = logSoftmax(x, { axis });
      lp.data.forEach((v, i) => {
        expect(v).toBeCloseTo(Math.log(p.data[i] as number), 13);
      });
    }
  });
});
