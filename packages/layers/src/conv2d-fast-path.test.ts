import type { FloatDType, Rng, Tensor } from '@nabla/tensor';
import { createRng, normal } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Conv2d, type Conv2dOptions } from './conv2d.js';

// The fast path (im2col/col2im gathers with clipped ranges, products through the engine's
// kernels, batches in chunks) against the convolution's definition written as plain loops.

const train = { training: true };

interface Reference {
  y: Float64Array;
  gx: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
}

/**
 * y, ∇x, ∇W and ∇b of a convolution straight from the definition, in float64:
 * y[b,k,oy,ox] = bias[k] + Σ W[k,ci,i,j]·x[b,ci,oy·sh − ph + i·dh, ox·sw − pw + j·dw], and each
 * product's gradient sent back to both factors.
 */
function naive<D extends FloatDType>(conv: Conv2d<D>, x: Tensor<D>, gy: Tensor<D>): Reference {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [, f, oh, ow] = gy.shape as [number, number, number, number];
  const [kh, kw] = conv.kernelSize;
  const [sh, sw] = conv.stride;
  const [ph, pw] = conv.padding;
  const [dh, dw] = conv.dilation;
  const W = conv.weight.value.data;
  const X = x.data;
  const G = gy.data;
  const r: Reference = {
    y: new Float64Array(n * f * oh * ow),
    gx: new Float64Array(x.size),
    gw: new Float64Array(W.length),
    gb: new Float64Array(f),
  };
  for (let b = 0; b < n; b++)
    for (let k = 0; k < f; k++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const o = ((b * f + k) * oh + oy) * ow + ox;
          const g = G[o] as number;
          let s = conv.bias ? (conv.bias.value.data[k] as number) : 0;
          r.gb[k] = (r.gb[k] as number) + g;
          for (let ci = 0; ci < c; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = oy * sh - ph + i * dh;
                const xx = ox * sw - pw + j * dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                const xi = ((b * c + ci) * h + yy) * w + xx;
                const wi = ((k * c + ci) * kh + i) * kw + j;
                s += (W[wi] as number) * (X[xi] as number);
                r.gw[wi] = (r.gw[wi] as number) + g * (X[xi] as number);
                r.gx[xi] = (r.gx[xi] as number) + g * (W[wi] as number);
              }
          r.y[o] = s;
        }
  return r;
}

/** max |a − b| / (1 + max |b|): a relative error that tolerates zeros. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return err / (1 + scale);
}

interface Case {
  c: number;
  f: number;
  kernel: [number, number];
  input: [number, number, number];
  options: Pick<Conv2dOptions<'float64'>, 'bias'> & {
    stride: [number, number];
    padding: [number, number];
    dilation: [number, number];
  };
}

/** Random geometries (seeded): strides 1–2, padding 0–2, dilation 1–2, non-square everything. */
function randomCases(rng: Rng, count: number): Case[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const cases: Case[] = [];
  while (cases.length < count) {
    const kernel: [number, number] = [int(1, 4), int(1, 4)];
    const stride: [number, number] = [int(1, 2), int(1, 2)];
    const padding: [number, number] = [int(0, 2), int(0, 2)];
    const dilation: [number, number] = [int(1, 2), int(1, 2)];
    const h = int(3, 9);
    const w = int(3, 9);
    if (h + 2 * padding[0] < dilation[0] * (kernel[0] - 1) + 1) continue;
    if (w + 2 * padding[1] < dilation[1] * (kernel[1] - 1) + 1) continue;
    cases.push({
      c: int(1, 4),
      f: int(1, 5),
      kernel,
      input: [int(1, 5), h, w],
      options: { stride, padding, dilation, bias: rng.next() < 0.75 },
    });
  }
  return cases;
}

function check<D extends FloatDType>(dtype: D, k: Case, seed: number, maxColumns?: number) {
  const rng = createRng(seed);
  const conv = new Conv2d<D>(k.c, k.f, k.kernel, {
    rng,
    dtype,
    ...k.options,
    ...(maxColumns === undefined ? {} : { maxColumns }),
  });
  if (conv.bias) conv.bias.value.data.set(normal(rng, [k.f], 0, 1, { dtype }).data);
  const [n, h, w] = k.input;
  const x = normal(rng, [n, k.c, h, w], 0, 1, { dtype });
  const y = conv.forward(x, train);
  const gy = normal(rng, y.shape, 0, 1, { dtype });
  const gx = conv.backward(gy);
  const ref = naive(conv, x, gy);
  return {
    y: relError(y.data, ref.y),
    gx: relError(gx.data, ref.gx),
    gw: relError(conv.weight.grad.data, ref.gw),
    gb: conv.bias ? relError(conv.bias.grad.data, ref.gb) : 0,
  };
}

describe('Conv2d fast path against a naive direct convolution', () => {
  const cases = randomCases(createRng(15), 24);

  it('covers stride 2, padding 1–2, dilation 2 and non-square kernels among the cases', () => {
    const any = (p: (c: Case) => boolean) => cases.some(p);
    expect(any((c) => c.options.stride.includes(2))).toBe(true);
    expect(any((c) => c.options.padding.includes(2))).toBe(true);
    expect(any((c) => c.options.dilation.includes(2))).toBe(true);
    expect(any((c) => c.kernel[0] !== c.kernel[1])).toBe(true);
  });

  for (const [i, k] of cases.entries()) {
    const what = `${k.input[0]}×${k.c}×${k.input[1]}×${k.input[2]} ⊛ ${k.f}×${k.kernel.join('×')} ${JSON.stringify(k.options)}`;
    it(`float64, ${what}: y, ∇x, ∇W, ∇b to 1e-12`, () => {
      const e = check('float64', k, 100 + i);
      expect(Math.max(e.y, e.gx, e.gw, e.gb)).toBeLessThan(1e-12);
    });
    it(`float32 (wasm kernels), ${what}: y, ∇x, ∇W, ∇b to 1e-5`, () => {
      const e = check('float32', k, 100 + i);
      expect(Math.max(e.y, e.gx, e.gw, e.gb)).toBeLessThan(1e-5);
    });
  }
});

describe('Conv2d: large batches in chunks (maxColumns)', () => {
  // Each image of this case unfolds into 3·3·3 · 6·5 = 810 columns' elements.
  const k: Case = {
    c: 3,
    f: 4,
    kernel: [3, 3],
    input: [7, 8, 7],
    options: { stride: [1, 1], padding: [1, 0], dilation: [1, 1] },
  };

  it('gives the definition’s results in one chunk, in chunks of 2 (+ a last of 1) and of 1', () => {
    for (const maxColumns of [1 << 20, 2 * 810 + 5, 810, 1]) {
      const e = check('float64', k, 7, maxColumns);
      expect(Math.max(e.y, e.gx, e.gw, e.gb)).toBeLessThan(1e-12);
    }
  });

  it('accumulates over chunks into existing gradients and skips ∇x on request', () => {
    const make = (maxColumns: number) => {
      const conv = new Conv2d(3, 4, 3, { rng: createRng(3), dtype: 'float64', maxColumns });
      const x = normal(createRng(4), [5, 3, 6, 6], 0, 1, { dtype: 'float64' });
      const y = conv.forward(x, train);
      const gy = normal(createRng(5), y.shape, 0, 1, { dtype: 'float64' });
      conv.backward(gy);
      conv.forward(x, train);
      conv.backward(gy, { accumulate: true, inputGrad: false });
      return conv;
    };
    const whole = make(1 << 20);
    const chunked = make(2 * 3 * 9 * 16);
    expect(relError(chunked.weight.grad.data, whole.weight.grad.data)).toBeLessThan(1e-12);
    expect(relError(chunked.bias?.grad.data ?? [], whole.bias?.grad.data ?? [])).toBeLessThan(
      1e-12,
    );
    // Twice the gradient of one pass: accumulation really added.
    const once = make(1 << 20);
    once.backward(normal(createRng(5), [5, 4, 4, 4], 0, 1, { dtype: 'float64' }));
    expect(
      relError(
        whole.weight.grad.data,
        once.weight.grad.data.map((v) => 2 * v),
      ),
    ).toBeLessThan(1e-12);
  });

  it('rejects a maxColumns that is not a positive integer, naming it', () => {
    expect(() => new Conv2d(1, 2, 3, { rng: createRng(0), maxColumns: 0 })).toThrow(
      'Conv2d(1→2, 3): maxColumns must be a positive integer, got 0',
    );
  });
});
