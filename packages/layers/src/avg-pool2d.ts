import type { FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from './layer.js';
import type { PoolOptions } from './max-pool2d.js';
import { poolSpec } from './max-pool2d.js';
import type { Pair, Window } from './spatial.js';
import { windowOf } from './spatial.js';
import { loadParameterState } from './state-dict.js';

/** Options of `AvgPool2d`. */
export interface AvgPool2dOptions extends PoolOptions {
  /**
   * Divide by kh·kw even where the window overlaps the padding (default true, PyTorch's
   * `count_include_pad`); `false` divides by the number of real inputs in the window.
   */
  countIncludePad?: boolean | undefined;
}

/**
 * Average pooling over kh×kw windows of NCHW inputs: y[b, c, i, j] is the mean of its window.
 * Backward spreads each output's gradient evenly, 1/divisor to every input of its window
 * (summing where windows overlap).
 */
export class AvgPool2d<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name: string;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly countIncludePad: boolean;
  private last: { x: Tensor<D>; window: Window } | undefined;
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    const spec = poolSpec('AvgPool2d', kernelSize, options);
    this.kernelSize = spec.kernel;
    this.stride = spec.stride;
    this.padding = spec.padding;
    this.countIncludePad = options.countIncludePad ?? true;
    this.name = this.countIncludePad ? spec.name : `${spec.name.slice(0, -1)}, excluding padding)`;
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const g = windowOf(this.name, x, undefined, this.kernelSize, this.stride, this.padding, [1, 1]);
    const y = this.out.get(x.dtype, [g.n, g.c, g.oh, g.ow]);
    const xd = x.data;
    const yd = y.data;
    this.visit(g, (o, base, yLo, yHi, xLo, xHi, scale) => {
      let s = 0;
      for (let yy = yLo; yy < yHi; yy++) {
        const row = base + yy * g.w;
        for (let xx = xLo; xx < xHi; xx++) s += xd[row + xx] as number;
      }
      yd[o] = s * scale;
    });
    this.last = { x, window: g };
    return y;
  }

  backward(gradOut: Tensor<D>, _options?: BackwardOptions): Tensor<D> {
    const { x, window: g } = lastForward(this.name, this.last);
    assertGradOut(this.name, gradOut, [g.n, g.c, g.oh, g.ow], x.dtype);
    const gx = this.gradIn.like(x);
    const gxd = gx.data;
    const gd = gradOut.data;
    gxd.fill(0);
    this.visit(g, (o, base, yLo, yHi, xLo, xHi, scale) => {
      const v = (gd[o] as number) * scale;
      for (let yy = yLo; yy < yHi; yy++) {
        const row = base + yy * g.w;
        for (let xx = xLo; xx < xHi; xx++) gxd[row + xx] = (gxd[row + xx] as number) + v;
      }
    });
    return gx;
  }

  /** Calls `f` for every output o with its window's in-bounds rows/columns and 1/divisor. */
  private visit(
    g: Window,
    f: (
      o: number,
      base: number,
      yLo: number,
      yHi: number,
      xLo: number,
      xHi: number,
      scale: number,
    ) => void,
  ): void {
    const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
    const full = 1 / (kh * kw);
    let o = 0;
    for (let plane = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      for (let i = 0; i < oh; i++) {
        const y0 = i * sh - ph;
        const yLo = Math.max(0, y0);
        const yHi = Math.min(h, y0 + kh);
        for (let j = 0; j < ow; j++, o++) {
          const x0 = j * sw - pw;
          const xLo = Math.max(0, x0);
          const xHi = Math.min(w, x0 + kw);
          const scale = this.countIncludePad ? full : 1 / ((yHi - yLo) * (xHi - xLo));
          f(o, base, yLo, yHi, xLo, xHi, scale);
        }
      }
    }
  }

  parameters(): readonly Parameter<D>[] {
    return [];
  }

  stateDict(): TensorStateDict<D> {
    return {};
  }

  loadStateDict(state: TensorStateDict): void {
    loadParameterState(this.name, [], state);
  }
}
