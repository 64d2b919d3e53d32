import type { Shape } from '@nabla/tensor';
import { tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { AvgPool2d } from './avg-pool2d.js';
import { layerContract } from './testing/index.js';

const evalCtx = { training: false };

describe('AvgPool2d: contract', () => {
  const configs: { create: () => AvgPool2d<'float64'>; inputShapes: Shape[] }[] = [
    {
      create: () => new AvgPool2d(2),
      inputShapes: [
        [1, 1, 4, 4],
        [2, 3, 5, 6],
      ],
    },
    { create: () => new AvgPool2d(3, { stride: 2, padding: 1 }), inputShapes: [[2, 2, 5, 7]] },
    {
      create: () =>
        new AvgPool2d([2, 3], { stride: [1, 2], padding: [1, 1], countIncludePad: false }),
      inputShapes: [[1, 2, 4, 7]],
    },
  ];
  for (const { create, inputShapes } of configs) {
    for (const check of layerContract({ create, inputShapes })) it(check.name, check.run);
  }
});

describe('AvgPool2d: hand-computed examples', () => {
  it('2×2 windows: the mean, and a quarter of the gradient to each input', () => {
    const pool = new AvgPool2d(2);
    const x = tensor([
      [
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      ],
    ]);
    // (1+2+5+6)/4 = 3.5, (3+4+7+8)/4 = 5.5
    expect(pool.forward(x, evalCtx).toArray()).toEqual([[[[3.5, 5.5]]]]);
    expect(pool.backward(tensor([[[[4, 8]]]])).toArray()).toEqual([
      [
        [
          [1, 1, 2, 2],
          [1, 1, 2, 2],
        ],
      ],
    ]);
  });

  it('padding counts in the divisor by default, and not with countIncludePad: false', () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    // Padding 1, stride 2: each 2×2 window holds one real pixel and three padded zeros.
    const incl = new AvgPool2d(2, { padding: 1 });
    expect(incl.forward(x, evalCtx).toArray()).toEqual([
      [
        [
          [0.25, 0.5],
          [0.75, 1],
        ],
      ],
    ]);
    expect(
      incl
        .backward(
          tensor([
            [
              [
                [4, 4],
                [4, 4],
              ],
            ],
          ]),
        )
        .toArray(),
    ).toEqual([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]);
    const excl = new AvgPool2d(2, { padding: 1, countIncludePad: false });
    expect(excl.forward(x, evalCtx).toArray()).toEqual([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    expect(
      excl
        .backward(
          tensor([
            [
              [
                [4, 4],
                [4, 4],
              ],
            ],
          ]),
        )
        .toArray(),
    ).toEqual([
      [
        [
          [4, 4],
          [4, 4],
        ],
      ],
    ]);
  });

  it('names the layer and the shapes in errors', () => {
    expect(() => new AvgPool2d(2).forward(zeros([3, 4, 5]), evalCtx)).toThrow(
      'AvgPool2d(2): expected input of shape [n,c,h,w] (NCHW), got [3,4,5]',
    );
  });
});
