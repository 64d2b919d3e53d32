import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Softmax } from './softmax.js';
import { layerContract } from './testing/index.js';

const ctx = { training: false };

describe('Softmax: contract', () => {
  for (const check of layerContract({
    create: () => new Softmax<'float64'>(),
    inputShapes: [
      [2, 3],
      [4, 5],
      [2, 2, 3],
    ],
    values: [
      {
        input: tensor([[0, Math.log(2), 0]], 'float64'),
        output: tensor([[0.25, 0.5, 0.25]], 'float64'),
      },
    ],
  })) {
    it(check.name, check.run);
  }
});

describe('Softmax', () => {
  it('normalises each row: [0, ln 2, 0] → [1/4, 1/2, 1/4]', () => {
    const y = new Softmax<'float64'>().forward(
      tensor(
        [
          [0, Math.log(2), 0],
          [5, 5, 5],
        ],
        'float64',
      ),
      ctx,
    );
    const rows = y.toArray() as number[][];
    expect(rows[0]?.[0]).toBeCloseTo(0.25, 15);
    expect(rows[0]?.[1]).toBeCloseTo(0.5, 15);
    expect(rows[0]?.[2]).toBeCloseTo(0.25, 15);
    for (const v of rows[1] ?? []) expect(v).toBeCloseTo(1 / 3, 15);
  });

  it('is stable for logits of ±1e4 in float32', () => {
    const y = new Softmax<'float32'>().forward(
      tensor([
        [1e4, -1e4, 0],
        [1e4, 1e4, -1e4],
      ]),
      ctx,
    );
    expect(y.toArray()).toEqual([
      [1, 0, 0],
      [0.5, 0.5, 0],
    ]);
  });
});
