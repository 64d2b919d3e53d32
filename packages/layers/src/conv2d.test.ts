import type { Tensor } from '@nabla/tensor';
import { createRng, normal, ShapeError, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Conv2d } from './conv2d.js';
import { layerContract } from './testing/index.js';

const evalCtx = { training: false };

describe('Conv2d: contract (float64 gradient checks of input, weight and bias)', () => {
  const configs = [
    {
      what: '1→1, 3×3, stride 1, padding 0, batch 1 and 2, non-square input',
      create: (rng: ReturnType<typeof createRng>) => new Conv2d(1, 1, 3, { rng, dtype: 'float64' }),
      inputShapes: [
        [1, 1, 5, 5],
        [2, 1, 4, 6],
      ],
    },
    {
      what: '3→4, 2×3 kernel, stride 2, padding 1',
      create: (rng: ReturnType<typeof createRng>) =>
        new Conv2d(3, 4, [2, 3], { rng, dtype: 'float64', stride: 2, padding: 1 }),
      inputShapes: [
        [1, 3, 5, 7],
        [2, 3, 6, 5],
      ],
    },
    {
      what: '2→3, 3×3, padding 2, dilation 2',
      create: (rng: ReturnType<typeof createRng>) =>
        new Conv2d(2, 3, 3, { rng, dtype: 'float64', padding: 2, dilation: 2 }),
      inputShapes: [
        [1, 2, 5, 4],
        [3, 2, 4, 6],
      ],
    },
    {
      what: '2→2, 3×1 kernel, stride [2,1], padding [0,1], no bias, Glorot uniform',
      create: (rng: ReturnType<typeof createRng>) =>
        new Conv2d(2, 2, [3, 1], {
          rng,
          dtype: 'float64',
          stride: [2, 1],
          padding: [0, 1],
          bias: false,
          init: 'glorot',
          distribution: 'uniform',
        }),
      inputShapes: [[3, 2, 7, 3]],
    },
  ];
  for (const { what, create, inputShapes } of configs) {
    describe(what, () => {
      for (const check of layerContract({ create, inputShapes })) it(check.name, check.run);
    });
  }
});

describe('Conv2d: hand-computed examples', () => {
  // x = [[1,2,3],[4,5,6],[7,8,9]], W = [[1,2],[3,4]], b = 0.5, G = [[1,0],[0,2]].
  // y[i,j] = Σ W[a,b]·x[i+a, j+b] + b: 1+4+12+20 = 37, 2+6+15+24 = 47, 4+10+21+32 = 67,
  //   5+12+24+36 = 77 (+0.5).
  // ∇W[a,b] = Σ G[i,j]·x[i+a, j+b]: 1·1+2·5 = 11, 1·2+2·6 = 14, 1·4+2·8 = 20, 1·5+2·9 = 23.
  // ∇b = ΣG = 3. ∇x = G[0,0]·W placed at (0,0) + G[1,1]·W placed at (1,1):
  //   [[1,2,0],[3,4,0],[0,0,0]] + [[0,0,0],[0,2,4],[0,6,8]].
  for (const dtype of ['float32', 'float64'] as const) {
    it(`forward, ∇W, ∇b and ∇x of a 2×2 kernel over a 3×3 image (${dtype})`, () => {
      const conv = new Conv2d(1, 1, 2, { rng: createRng(0), dtype });
      conv.loadStateDict({
        weight: tensor(
          [
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
          ],
          dtype,
        ),
        bias: tensor([0.5], dtype),
      });
      const x = tensor(
        [
          [
            [
              [1, 2, 3],
              [4, 5, 6],
              [7, 8, 9],
            ],
          ],
        ],
        dtype,
      );
      expect(conv.forward(x, evalCtx).toArray()).toEqual([
        [
          [
            [37.5, 47.5],
            [67.5, 77.5],
          ],
        ],
      ]);
      const gx = conv.backward(
        tensor(
          [
            [
              [
                [1, 0],
                [0, 2],
              ],
            ],
          ],
          dtype,
        ),
      );
      expect(conv.weight.grad.toArray()).toEqual([
        [
          [
            [11, 14],
            [20, 23],
          ],
        ],
      ]);
      expect(conv.bias?.grad.toArray()).toEqual([3]);
      expect(gx.toArray()).toEqual([
        [
          [
            [1, 2, 0],
            [3, 6, 4],
            [0, 6, 8],
          ],
        ],
      ]);
    });
  }

  it('padding 1 and stride 2 with a 2×2 kernel of ones: each window holds one input pixel', () => {
    // Padded input [[0,0,0,0],[0,1,2,0],[0,3,4,0],[0,0,0,0]]; windows at rows/cols {0,2}.
    const conv = new Conv2d(1, 1, 2, { rng: createRng(0), stride: 2, padding: 1, bias: false });
    conv.loadStateDict({
      weight: tensor([
        [
          [
            [1, 1],
            [1, 1],
          ],
        ],
      ]),
    });
    const x = tensor([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    expect(conv.forward(x, evalCtx).toArray()).toEqual([
      [
        [
          [1, 2],
          [3, 4],
        ],
      ],
    ]);
    // Each output's gradient goes back to its single real pixel.
    expect(
      conv
        .backward(
          tensor([
            [
              [
                [5, 6],
                [7, 8],
              ],
            ],
          ]),
        )
        .toArray(),
    ).toEqual([
      [
        [
          [5, 6],
          [7, 8],
        ],
      ],
    ]);
  });

  it('two input channels are summed, two output channels are separate', () => {
    // 1×1 kernels: out0 = x0 + x1, out1 = 2·x0 − x1, biases 0 and 10.
    const conv = new Conv2d(2, 2, 1, { rng: createRng(0) });
    conv.loadStateDict({
      weight: tensor([
        [[[1]], [[1]]],
        [[[2]], [[-1]]],
      ]),
      bias: tensor([0, 10]),
    });
    const x = tensor([[[[1, 2]], [[3, 4]]]]);
    expect(conv.forward(x, evalCtx).toArray()).toEqual([[[[4, 6]], [[9, 10]]]]);
  });
});

/** Direct convolution by its definition (seven nested loops), float64. */
function direct(conv: Conv2d<'float64'>, x: Tensor<'float64'>): number[] {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = conv.kernelSize;
  const [sh, sw] = conv.stride;
  const [ph, pw] = conv.padding;
  const [dh, dw] = conv.dilation;
  const f = conv.outChannels;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let k = 0; k < f; k++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          let s = conv.bias ? conv.bias.value.get(k) : 0;
          for (let ci = 0; ci < c; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - ph + i * dh;
                const xx = xo * sw - pw + j * dw;
                if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                  s += conv.weight.value.get(k, ci, i, j) * x.get(b, ci, yy, xx);
              }
          out.push(s);
        }
  return out;
}

describe('Conv2d: against the definition', () => {
  it('matches a direct convolution for stride, padding, dilation and a non-square kernel', () => {
    const rng = createRng(3);
    const conv = new Conv2d(3, 5, [3, 2], {
      rng,
      dtype: 'float64',
      stride: [2, 1],
      padding: [1, 2],
      dilation: [1, 2],
    });
    conv.loadStateDict({ ...conv.stateDict(), bias: normal(rng, [5], 0, 1, { dtype: 'float64' }) });
    const x = normal(rng, [2, 3, 7, 6], 0, 1, { dtype: 'float64' });
    const y = conv.forward(x, evalCtx);
    // h: ⌊(7 + 2 − 3)/2⌋ + 1 = 4; w: (6 + 4 − 3)/1 + 1 = 8.
    expect(y.shape).toEqual([2, 5, 4, 8]);
    const want = direct(conv, x);
    for (let i = 0; i < want.length; i++) expect(y.data[i]).toBeCloseTo(want[i] as number, 12);
  });

  it('float32 (the fast kernels) agrees with float64', () => {
    const rng = createRng(4);
    const c64 = new Conv2d(4, 8, 3, { rng, dtype: 'float64', padding: 1 });
    const c32 = new Conv2d(4, 8, 3, { rng: createRng(4), padding: 1 });
    c32.loadStateDict(c64.stateDict());
    const x64 = normal(rng, [3, 4, 9, 9], 0, 1, { dtype: 'float64' });
    const x32 = x64.astype('float32');
    const y64 = c64.forward(x64, evalCtx);
    const y32 = c32.forward(x32, evalCtx);
    const g64 = normal(rng, y64.shape, 0, 1, { dtype: 'float64' });
    const gx64 = c64.backward(g64);
    const gx32 = c32.backward(g64.astype('float32'));
    const close = (a: Tensor, b: Tensor) => {
      for (let i = 0; i < a.size; i++)
        expect(Math.abs((a.data[i] as number) - (b.data[i] as number))).toBeLessThan(1e-4);
    };
    close(y32, y64);
    close(gx32, gx64);
    close(c32.weight.grad, c64.weight.grad);
  });
});

describe('Conv2d: errors', () => {
  const conv = new Conv2d(1, 32, 5, { rng: createRng(0) });

  it('names the layer, the expected and the received shape for a 2-D input', () => {
    expect(() => conv.forward(zeros([64, 784]), evalCtx)).toThrow(ShapeError);
    expect(() => conv.forward(zeros([64, 784]), evalCtx)).toThrow(
      'Conv2d(1→32, 5): expected input of shape [n,1,h,w] (NCHW), got [64,784]',
    );
  });

  it('rejects a wrong channel count and an input smaller than the kernel', () => {
    expect(() => conv.forward(zeros([2, 3, 28, 28]), evalCtx)).toThrow('got [2,3,28,28]');
    expect(() => conv.forward(zeros([2, 1, 4, 28]), evalCtx)).toThrow(
      'Conv2d(1→32, 5): input [2,1,4,28] is too small: its padded size 4×28 is less than the kernel 5×5',
    );
  });

  it('rejects bad geometry options and a missing generator, naming the option', () => {
    const rng = createRng(0);
    expect(() => new Conv2d(1, 2, 0, { rng })).toThrow('kernelSize must be an integer ≥ 1');
    expect(() => new Conv2d(1, 2, 3, { rng, stride: [1, 0] })).toThrow('stride');
    expect(() => new Conv2d(1, 2, 3, { rng, padding: -1 })).toThrow('padding');
    expect(() => new Conv2d(1, 2, 3, { rng, dilation: 1.5 })).toThrow('dilation');
    expect(() => new Conv2d(0, 2, 3, { rng })).toThrow('inChannels must be a positive integer');
    expect(
      () => new Conv2d(1, 2, 3, {} as unknown as { rng: ReturnType<typeof createRng> }),
    ).toThrow('options.rng must be a seeded generator');
  });

  it('rejects an input of the other dtype', () => {
    expect(() => conv.forward(zeros([1, 1, 5, 5], 'float64') as never, evalCtx)).toThrow(
      'input is float64 but the parameters are float32',
    );
  });

  it('names itself with stride, padding and dilation', () => {
    const rng = createRng(0);
    expect(new Conv2d(3, 8, [3, 5], { rng, stride: 2, padding: [1, 2], dilation: 2 }).name).toBe(
      'Conv2d(3→8, 3×5, stride 2, padding 1×2, dilation 2)',
    );
  });
});

describe('Conv2d: initialisation', () => {
  it('draws He-normal weights of variance 2/(c·kh·kw) and zero biases', () => {
    const conv = new Conv2d(8, 64, 5, { rng: createRng(1) });
    const w = conv.weight.value;
    expect(w.shape).toEqual([64, 8, 5, 5]);
    let s2 = 0;
    for (let i = 0; i < w.size; i++) s2 += (w.data[i] as number) ** 2;
    expect(s2 / w.size).toBeCloseTo(2 / 200, 3);
    expect(Array.from(conv.bias?.value.data ?? [])).toEqual(new Array(64).fill(0));
  });
});
