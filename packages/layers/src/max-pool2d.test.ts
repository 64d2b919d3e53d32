import type { Rng, Shape } from '@nabla/tensor';
import { permutation, ShapeError, Tensor, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { MaxPool2d } from './max-pool2d.js';
import { layerContract } from './testing/index.js';

const evalCtx = { training: false };

/** Distinct values 0.1 apart in random order: no ties, so finite differences never swap a max. */
function distinct(rng: Rng, shape: Shape): Tensor<'float64'> {
  const size = shape.reduce((a, b) => a * b, 1);
  const p = permutation(rng, size);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = ((p[i] as number) - size / 2) * 0.1;
  return new Tensor('float64', data, shape);
}

describe('MaxPool2d: contract', () => {
  const configs: { create: () => MaxPool2d<'float64'>; inputShapes: Shape[] }[] = [
    {
      create: () => new MaxPool2d(2),
      inputShapes: [
        [1, 1, 4, 4],
        [2, 3, 5, 6],
      ],
    },
    { create: () => new MaxPool2d(3, { stride: 2, padding: 1 }), inputShapes: [[2, 2, 5, 7]] },
    { create: () => new MaxPool2d([2, 3], { stride: [1, 2] }), inputShapes: [[1, 2, 4, 7]] },
  ];
  for (const { create, inputShapes } of configs) {
    for (const check of layerContract({ create, inputShapes, input: distinct })) {
      it(check.name, check.run);
    }
  }
});

describe('MaxPool2d: hand-computed examples', () => {
  it('2×2 windows: the max of each, the gradient to the arg-max, ties to the first', () => {
    const pool = new MaxPool2d(2);
    const x = tensor([
      [
        [
          [1, 3, 2, 1],
          [4, 2, 0, 5],
          [7, 7, 1, 1],
          [0, 6, 1, 1],
        ],
      ],
    ]);
    expect(pool.forward(x, evalCtx).toArray()).toEqual([
      [
        [
          [4, 5],
          [7, 1],
        ],
      ],
    ]);
    // Window 3 has 7 twice (first at row 2, col 0); window 4 is all 1s (first at row 2, col 2).
    expect(
      pool
        .backward(
          tensor([
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ]),
        )
        .toArray(),
    ).toEqual([
      [
        [
          [0, 0, 0, 0],
          [1, 0, 0, 2],
          [3, 0, 4, 0],
          [0, 0, 0, 0],
        ],
      ],
    ]);
  });

  it('overlapping windows (stride 1) sum their gradients at a shared arg-max', () => {
    const pool = new MaxPool2d(2, { stride: 1 });
    const x = tensor([
      [
        [
          [1, 5, 2],
          [3, 0, 4],
        ],
      ],
    ]);
    expect(pool.forward(x, evalCtx).toArray()).toEqual([[[[5, 5]]]]);
    expect(pool.backward(tensor([[[[1, 2]]]])).toArray()).toEqual([
      [
        [
          [0, 3, 0],
          [0, 0, 0],
        ],
      ],
    ]);
  });

  it('padding never wins, even over negative inputs', () => {
    const pool = new MaxPool2d(2, { padding: 1 });
    const x = tensor([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
    expect(pool.forward(x, evalCtx).toArray()).toEqual([
      [
        [
          [-1, -2],
          [-3, -4],
        ],
      ],
    ]);
  });

  it('a NaN in a window is its maximum and receives its gradient (as in PyTorch)', () => {
    const pool = new MaxPool2d(2);
    const y = pool.forward(
      tensor([
        [
          [
            [1, Number.NaN],
            [3, 2],
          ],
        ],
      ]),
      evalCtx,
    );
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(pool.backward(tensor([[[[5]]]])).toArray()).toEqual([
      [
        [
          [0, 5],
          [0, 0],
        ],
      ],
    ]);
  });

  it('each channel and sample is pooled on its own', () => {
    const pool = new MaxPool2d([1, 2]);
    const x = tensor([
      [[[1, 2]], [[4, 3]]],
      [[[-5, -6]], [[0, 0]]],
    ]);
    expect(pool.forward(x, evalCtx).toArray()).toEqual([
      [[[2]], [[4]]],
      [[[-5]], [[0]]],
    ]);
  });
});

describe('MaxPool2d: errors', () => {
  it('names the layer, the expected and the received shape', () => {
    expect(() => new MaxPool2d(2).forward(zeros([64, 784]), evalCtx)).toThrow(ShapeError);
    expect(() => new MaxPool2d(2).forward(zeros([64, 784]), evalCtx)).toThrow(
      'MaxPool2d(2): expected input of shape [n,c,h,w] (NCHW), got [64,784]',
    );
    expect(() => new MaxPool2d(3).forward(zeros([1, 1, 2, 5]), evalCtx)).toThrow(
      'MaxPool2d(3): input [1,1,2,5] is too small',
    );
  });

  it('rejects padding over half the kernel and bad sizes', () => {
    expect(() => new MaxPool2d(2, { padding: 2 })).toThrow(
      'MaxPool2d: padding 2 must be at most half the kernel 2',
    );
    expect(() => new MaxPool2d(0)).toThrow('kernelSize must be an integer ≥ 1');
    expect(() => new MaxPool2d(2, { stride: [2] as unknown as number })).toThrow('stride');
  });
});
