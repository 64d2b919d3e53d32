import type { FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from './layer.js';
import type { Pair, Window } from './spatial.js';
import { formatPair, pair, windowOf } from './spatial.js';
import { loadParameterState } from './state-dict.js';

/** Options of `MaxPool2d` (and, with `countIncludePad`, `AvgPool2d`). */
export interface PoolOptions {
  /** Step between windows, one number or [h, w] (default: the kernel size). */
  stride?: Pair | undefined;
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: Pair | undefined;
}

/**
 * Max pooling over kh×kw windows of NCHW inputs: y[b, c, i, j] is the largest input in the
 * window (padding never wins: it counts as −∞, as in PyTorch). Forward records, for each
 * output, the flat index of the input it came from; backward sends each output's gradient to
 * exactly that input (summing where windows overlap). Ties go to the first element of the
 * window in row-major order; a NaN in a window is the maximum (it propagates).
 */
export class MaxPool2d<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name: string;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  private last: { x: Tensor<D>; window: Window } | undefined;
  private argmax = new Int32Array(0);
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(kernelSize: Pair, options: PoolOptions = {}) {
    const spec = poolSpec('MaxPool2d', kernelSize, options);
    this.name = spec.name;
    this.kernelSize = spec.kernel;
    this.stride = spec.stride;
    this.padding = spec.padding;
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const g = windowOf(this.name, x, undefined, this.kernelSize, this.stride, this.padding, ONE);
    const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
    const y = this.out.get(x.dtype, [n, c, oh, ow]);
    if (this.argmax.length < y.size) this.argmax = new Int32Array(y.size);
    const arg = this.argmax;
    const xd = x.data;
    const yd = y.data;
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
          let best = Number.NEGATIVE_INFINITY;
          let at = base + yLo * w + xLo;
          for (let yy = yLo; yy < yHi; yy++) {
            const row = base + yy * w;
            for (let xx = xLo; xx < xHi; xx++) {
              const v = xd[row + xx] as number;
              // Strictly greater: ties keep the first; NaN wins once and then stays.
              if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                best = v;
                at = row + xx;
              }
            }
          }
          yd[o] = best;
          arg[o] = at;
        }
      }
    }
    this.last = { x, window: g };
    return y;
  }

  backward(gradOut: Tensor<D>, _options?: BackwardOptions): Tensor<D> {
    const { x, window: g } = lastForward(this.name, this.last);
    assertGradOut(this.name, gradOut, [g.n, g.c, g.oh, g.ow], x.dtype);
    const gx = this.gradIn.like(x);
    const gxd = gx.data;
    const gd = gradOut.data;
    const arg = this.argmax;
    gxd.fill(0);
    for (let o = 0; o < gradOut.size; o++) {
      const k = arg[o] as number;
      gxd[k] = (gxd[k] as number) + (gd[o] as number);
    }
    return gx;
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

const ONE: readonly [number, number] = [1, 1];

/** Parses and checks the options shared by the pooling layers; builds the layer's name. */
export function poolSpec(
  layer: string,
  kernelSize: Pair,
  options: PoolOptions,
): {
  name: string;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
} {
  const kernel = pair(layer, 'kernelSize', kernelSize, 1);
  const stride = pair(layer, 'stride', options.stride ?? kernel, 1);
  const padding = pair(layer, 'padding', options.padding ?? 0, 0);
  if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]) {
    throw new RangeError(
      `${layer}: padding ${formatPair(padding)} must be at most half the kernel ${formatPair(kernel)}`,
    );
  }
  const extras = [
    stride[0] !== kernel[0] || stride[1] !== kernel[1] ? `stride ${formatPair(stride)}` : '',
    padding[0] || padding[1] ? `padding ${formatPair(padding)}` : '',
  ].filter((s) => s !== '');
  return {
    name: `${layer}(${formatPair(kernel)}${extras.map((s) => `, ${s}`).join('')})`,
    kernel,
    stride,
    padding,
  };
}
