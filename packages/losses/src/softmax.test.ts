import { tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { logSoftmax, softmax } from './softmax.js';

describe('softmax and logSoftmax', () => {
  it('normalise each row of the last axis', () => {
    const p = softmax(
      tensor(
        [
          [0, Math.log(2), 0],
          [Math.log(3), 0, 0],
        ],
        'float64',
      ),
    );
    const rows = p.toArray() as number[][];
    [
      [0.25, 0.5, 0.25],
      [0.6, 0.2, 0.2],
    ].forEach((row, i) => {
      row.forEach((v, j) => {
        expect(rows[i]?.[j]).toBeCloseTo(v, 15);
      });
    });
    const lp = logSoftmax(tensor([[0, Math.log(2), 0]], 'float64'));
    expect(lp.data[1]).toBeCloseTo(Math.log(0.5), 15);
  });

  it('are stable for logits of ±1e4', () => {
    expect(
      softmax(
        tensor([
          [1e4, -1e4],
          [1e4, 1e4],
        ]),
      ).toArray(),
    ).toEqual([
      [1, 0],
      [0.5, 0.5],
    ]);
    expect(logSoftmax(tensor([[1e4, -1e4]], 'float64')).toArray()).toEqual([[0, -2e4]]);
  });

  it('write into out and leave the input alone; reject NaN', () => {
    const x = tensor([[1, 2]]);
    const out = zeros([1, 2]);
    expect(softmax(x, out)).toBe(out);
    expect(x.toArray()).toEqual([[1, 2]]);
    expect(() => softmax(tensor([[1, Number.NaN]]))).toThrow(
      'softmax: logits must be finite, found NaN at [0,1] of [1,2]',
    );
  });
});
