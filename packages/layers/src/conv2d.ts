import type { FloatArray, FloatDType, MatmulOptions, Parameter, Rng, Tensor } from '@nabla/tensor';
import { createParameter, matmul, normal, ReusableBuffer, uniform, zeros } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import { col2im, im2col } from './im2col.js';
import type { BackwardOptions, ForwardContext, Layer, TensorStateDict } from './layer.js';
import type { Pair, Window } from './spatial.js';
import { formatPair, pair, windowOf } from './spatial.js';
import { loadParameterState, parameterStateDict } from './state-dict.js';

/** Options of `Conv2d`. */
export interface Conv2dOptions<D extends FloatDType> {
  /** The seeded generator the weights are drawn from (required: no hidden global seed). */
  rng: Rng;
  /** Step between windows, one number or [h, w] (default 1). */
  stride?: Pair | undefined;
  /** Zeros added on each side, one number or [h, w] (default 0). */
  padding?: Pair | undefined;
  /** Spacing between kernel taps, one number or [h, w] (default 1). */
  dilation?: Pair | undefined;
  /** Whether the layer has a bias (default true). */
  bias?: boolean | undefined;
  /**
   * `he` (Kaiming, default: variance 2/fanIn) or `glorot` (variance 2/(fanIn + fanOut)), with
   * fanIn = inChannels·kh·kw and fanOut = outChannels·kh·kw as in PyTorch.
   */
  init?: 'he' | 'glorot' | undefined;
  /** Draw the weights from a normal (default) or a uniform distribution of that variance. */
  distribution?: 'normal' | 'uniform' | undefined;
  /** Element type of the parameters and of the inputs the layer accepts. Default float32. */
  dtype?: D | undefined;
  /**
   * The most elements the im2col matrix may hold (default {@link CONV_COLUMNS_LIMIT}). A batch
   * whose matrix would be larger is processed in chunks of whole images, so memory stays bounded
   * for any batch size (backward then unfolds each chunk again). One image is always processed.
   */
  maxColumns?: number | undefined;
}

/**
 * Default `maxColumns`: 2²³ elements (32 MB in float32). Training batches of the MNIST CNN (batch
 * 128: 6.6 M elements for Conv(32→64, 5) on 12×12) stay one chunk, which measured faster than
 * small chunks (backward would unfold every chunk again, and the products get smaller); an
 * evaluation batch of thousands is split, so memory stays bounded.
 */
export const CONV_COLUMNS_LIMIT = 1 << 23;

/**
 * 2-D convolution (cross-correlation, as in PyTorch) of NCHW inputs: x [n, c, h, w] →
 * y [n, f, oh, ow] with weight [f, c, kh, kw] and bias [f].
 *
 * Forward is im2col followed by ONE matrix product over the whole batch (or over each chunk of
 * images when the batch's matrix would exceed `maxColumns` elements):
 * cols = im2col(x) [c·kh·kw, n·oh·ow], Y = W·cols [f, n·oh·ow] (W viewed as [f, c·kh·kw]),
 * then Y's blocks are copied to NCHW and the bias added.
 *
 * Backward, with G = ∂L/∂y rearranged to [f, n·oh·ow]: ∇W = G·colsᵀ, ∇b = the sums of G over
 * n, oh and ow, ∇x = col2im(Wᵀ·G), chunk by chunk (∇W and ∇b summed over the chunks; with more
 * than one chunk each is unfolded again). Both products use matmul's transpose flags (no
 * transposed copies), so the engine's fast kernels do the arithmetic; only the gathers are plain
 * loops.
 */
export class Conv2d<D extends FloatDType = 'float32'> implements Layer<D> {
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly weight: Parameter<D>;
  readonly bias: Parameter<D> | undefined;
  /** The most elements of the im2col matrix (see `Conv2dOptions.maxColumns`). */
  readonly maxColumns: number;
  private readonly params: readonly Parameter<D>[];
  /** The weight and its gradient viewed as [f, c·kh·kw] matrices (views, no copies). */
  private readonly weightMatrix: Tensor<D>;
  private readonly weightGradMatrix: Tensor<D>;
  private last: { x: Tensor<D>; window: Window } | undefined;
  private readonly out = new ReusableBuffer();
  private readonly cols = new ReusableBuffer();
  private readonly rows = new ReusableBuffer();
  private readonly gradCols = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();
  private readonly forwardOp: MatmulOptions<D> = {};
  private readonly weightGradOp: MatmulOptions<D> = { transB: true };
  private readonly inputGradOp: MatmulOptions<D> = { transA: true };

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions<D>,
  ) {
    const base = `Conv2d(${inChannels}→${outChannels})`;
    for (const [what, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new RangeError(`${base}: ${what} must be a positive integer, got ${v}`);
      }
    }
    const opts = options ?? ({} as Conv2dOptions<D>);
    this.kernelSize = pair(base, 'kernelSize', kernelSize, 1);
    this.stride = pair(base, 'stride', opts.stride ?? 1, 1);
    this.padding = pair(base, 'padding', opts.padding ?? 0, 0);
    this.dilation = pair(base, 'dilation', opts.dilation ?? 1, 1);
    const extras = [
      this.stride[0] !== 1 || this.stride[1] !== 1 ? `stride ${formatPair(this.stride)}` : '',
      this.padding[0] || this.padding[1] ? `padding ${formatPair(this.padding)}` : '',
      this.dilation[0] !== 1 || this.dilation[1] !== 1
        ? `dilation ${formatPair(this.dilation)}`
        : '',
    ].filter((s) => s !== '');
    this.name = `Conv2d(${inChannels}→${outChannels}, ${formatPair(this.kernelSize)}${extras.map((s) => `, ${s}`).join('')})`;
    const { rng, init = 'he', distribution = 'normal', bias = true } = opts;
    const dtype = (opts.dtype ?? 'float32') as D;
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new TypeError(`${this.name}: dtype must be float32 or float64, got ${String(dtype)}`);
    }
    if (rng === undefined || typeof rng.next !== 'function') {
      throw new TypeError(
        `${this.name}: options.rng must be a seeded generator (createRng(seed) from @nabla/tensor)`,
      );
    }
    if (
      (init !== 'he' && init !== 'glorot') ||
      (distribution !== 'normal' && distribution !== 'uniform')
    ) {
      throw new RangeError(
        `${this.name}: unknown init ${JSON.stringify(init)} / distribution ${JSON.stringify(distribution)}; expected init 'he' | 'glorot' and distribution 'normal' | 'uniform'`,
      );
    }
    const maxColumns = opts.maxColumns ?? CONV_COLUMNS_LIMIT;
    if (!Number.isInteger(maxColumns) || maxColumns < 1) {
      throw new RangeError(
        `${this.name}: maxColumns must be a positive integer, got ${String(maxColumns)}`,
      );
    }
    this.maxColumns = maxColumns;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const [kh, kw] = this.kernelSize;
    const fanIn = inChannels * kh * kw;
    const fanOut = outChannels * kh * kw;
    const variance = init === 'he' ? 2 / fanIn : 2 / (fanIn + fanOut);
    const shape = [outChannels, inChannels, kh, kw];
    const limit = Math.sqrt(3 * variance);
    const w =
      distribution === 'normal'
        ? normal(rng, shape, 0, Math.sqrt(variance), { dtype })
        : uniform(rng, shape, -limit, limit, { dtype });
    this.weight = createParameter('weight', w as Tensor<D>);
    this.bias = bias ? createParameter('bias', zeros([outChannels], dtype)) : undefined;
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
    this.weightMatrix = this.weight.value.reshape([outChannels, fanIn]);
    this.weightGradMatrix = this.weight.grad.reshape([outChannels, fanIn]);
  }

  get dtype(): D {
    return this.weight.value.dtype;
  }

  forward(x: Tensor<D>, _ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    const g = windowOf(
      this.name,
      x,
      this.inChannels,
      this.kernelSize,
      this.stride,
      this.padding,
      this.dilation,
    );
    if (x.dtype !== this.dtype) {
      throw new TypeError(`${this.name}: input is ${x.dtype} but the parameters are ${this.dtype}`);
    }
    const f = this.outChannels;
    const plane = g.oh * g.ow;
    const chunk = this.chunkOf(g);
    const y = this.out.get(this.dtype, [g.n, f, g.oh, g.ow]);
    for (let b0 = 0; b0 < g.n; b0 += chunk) {
      const cn = Math.min(chunk, g.n - b0);
      const cols = this.unfold(x, g, b0, cn);
      const yt = this.rows.matrix(this.dtype, f, cn * plane);
      this.forwardOp.out = yt;
      matmul(this.weightMatrix, cols, this.forwardOp);
      blocksToBatch(yt.data, y.data, this.bias?.value.data, b0, cn, f, plane);
    }
    this.last = { x, window: g };
    return y;
  }

  backward(gradOut: Tensor<D>, options: BackwardOptions = {}): Tensor<D> {
    const { x, window: g } = lastForward(this.name, this.last);
    const f = this.outChannels;
    assertGradOut(this.name, gradOut, [g.n, f, g.oh, g.ow], this.dtype);
    const accumulate = options.accumulate === true;
    const inputGrad = options.inputGrad !== false;
    const plane = g.oh * g.ow;
    const chunk = this.chunkOf(g);
    const gx = this.gradIn.like(x);
    const fanIn = this.weightMatrix.shape[1] as number;
    for (let b0 = 0; b0 < g.n; b0 += chunk) {
      const cn = Math.min(chunk, g.n - b0);
      const positions = cn * plane;
      // Later chunks add to what the earlier ones wrote.
      const add = accumulate || b0 > 0;
      // G as [f, cn·oh·ow]: the layout of the forward product.
      const gt = this.rows.matrix(this.dtype, f, positions);
      batchToBlocks(gradOut.data, gt.data, b0, cn, f, plane);
      // ∇b = Σ over n, oh, ow of G
      if (this.bias) rowSums(gt.data, this.bias.grad.data, f, positions, add);
      // ∇W = G · colsᵀ; one chunk still holds the forward's columns, several are unfolded again.
      const cols =
        chunk >= g.n ? this.cols.matrix(this.dtype, fanIn, positions) : this.unfold(x, g, b0, cn);
      this.weightGradOp.out = this.weightGradMatrix;
      this.weightGradOp.accumulate = add;
      matmul(gt, cols, this.weightGradOp);
      if (!inputGrad) continue;
      // ∇x = col2im(Wᵀ · G)
      const gradCols = this.gradCols.matrix(this.dtype, fanIn, positions);
      this.inputGradOp.out = gradCols;
      matmul(this.weightMatrix, gt, this.inputGradOp);
      col2im(gradCols.data, gx.data, g, b0, cn);
    }
    return gx;
  }

  /** Images per chunk: as many as `maxColumns` allows, at least one. */
  private chunkOf(g: Window): number {
    const perImage = (this.weightMatrix.shape[1] as number) * g.oh * g.ow;
    return Math.max(1, Math.min(g.n, Math.floor(this.maxColumns / perImage)));
  }

  /** im2col of images [b0, b0 + cn) of x into the reused columns buffer. */
  private unfold(x: Tensor<D>, g: Window, b0: number, cn: number): Tensor<D> {
    const cols = this.cols.matrix(
      this.dtype,
      this.weightMatrix.shape[1] as number,
      cn * g.oh * g.ow,
    );
    im2col(x.data, cols.data, g, b0, cn);
    return cols;
  }

  parameters(): readonly Parameter<D>[] {
    return this.params;
  }

  stateDict(): TensorStateDict<D> {
    return parameterStateDict(this.params);
  }

  loadStateDict(state: TensorStateDict): void {
    loadParameterState(this.name, this.params, state);
  }
}

/**
 * y[b0 + b, k, :] = rows[k, b·plane : (b+1)·plane] (+ bias[k]) for b < cn — [f, cn·plane]
 * blocks to NCHW, the bias added in the same pass.
 */
function blocksToBatch(
  rows: FloatArray,
  y: FloatArray,
  bias: FloatArray | undefined,
  b0: number,
  cn: number,
  f: number,
  plane: number,
): void {
  for (let b = 0; b < cn; b++) {
    for (let k = 0; k < f; k++) {
      const from = (k * cn + b) * plane;
      const to = ((b0 + b) * f + k) * plane;
      if (bias === undefined) {
        y.set(rows.subarray(from, from + plane), to);
      } else {
        const v = bias[k] as number;
        for (let p = 0; p < plane; p++) y[to + p] = (rows[from + p] as number) + v;
      }
    }
  }
}

/** rows[k, b·plane : (b+1)·plane] = g[b0 + b, k, :] for b < cn — NCHW to [f, cn·plane] blocks. */
function batchToBlocks(
  g: FloatArray,
  rows: FloatArray,
  b0: number,
  cn: number,
  f: number,
  plane: number,
): void {
  for (let b = 0; b < cn; b++) {
    for (let k = 0; k < f; k++) {
      const from = ((b0 + b) * f + k) * plane;
      rows.set(g.subarray(from, from + plane), (k * cn + b) * plane);
    }
  }
}

/** out[k] = Σ_j rows[k, j] (or +=, when accumulating). */
function rowSums(
  rows: FloatArray,
  out: FloatArray,
  f: number,
  len: number,
  accumulate: boolean,
): void {
  for (let k = 0; k < f; k++) {
    let s = 0;
    const start = k * len;
    for (let j = start; j < start + len; j++) s += rows[j] as number;
    out[k] = accumulate ? (out[k] as number) + s : s;
  }
}
