import type { FloatArray, FloatDType, Parameter, Rng, Tensor } from '@nabla/tensor';
import { ReusableBuffer } from '@nabla/tensor';
import { assertFloat, assertGradOut, lastForward } from './checks.js';
import type { ForwardContext, Layer, TensorStateDict } from './layer.js';
import { loadParameterState } from './state-dict.js';

/**
 * Inverted dropout. In training mode (`ctx.training`) each element is zeroed with probability
 * `p`, drawing from `ctx.rng` (required then), and the survivors are scaled by 1 / (1 − p) so
 * the expected output equals the input; backward applies the same mask. In evaluation mode it is
 * the identity: forward returns its input and backward its incoming gradient, unchanged (both
 * read-only, like every layer output).
 */
export class Dropout<D extends FloatDType = FloatDType> implements Layer<D> {
  readonly name: string;
  readonly p: number;
  /** The last output, and whether it was masked (training) or the input itself (evaluation). */
  private lastOut: Tensor<D> | undefined;
  private masked = false;
  private readonly mask = new ReusableBuffer();
  private readonly out = new ReusableBuffer();
  private readonly gradIn = new ReusableBuffer();

  constructor(p: number) {
    if (!(p >= 0 && p < 1)) {
      throw new RangeError(`Dropout: p must be in [0, 1), got ${p}`);
    }
    this.p = p;
    this.name = `Dropout(${p})`;
  }

  forward(x: Tensor<D>, ctx: ForwardContext): Tensor<D> {
    assertFloat(this.name, 'input', x);
    if (ctx === undefined || typeof ctx.training !== 'boolean') {
      throw new TypeError(`${this.name}: forward needs a context { training: boolean, rng? }`);
    }
    if (!ctx.training || this.p === 0) {
      this.lastOut = x;
      this.masked = false;
      return x;
    }
    if (ctx.rng === undefined) {
      throw new TypeError(
        `${this.name}: training mode needs ctx.rng (a seeded generator) to draw the mask`,
      );
    }
    const mask = this.mask.like(x);
    const y = this.out.like(x);
    dropoutMask(mask.data, this.p, ctx.rng);
    multiply(x.data, mask.data, y.data);
    this.lastOut = y;
    this.masked = true;
    return y;
  }

  backward(gradOut: Tensor<D>): Tensor<D> {
    const last = lastForward(this.name, this.lastOut);
    assertGradOut(this.name, gradOut, last.shape, last.dtype);
    if (!this.masked) return gradOut;
    const gx = this.gradIn.like(gradOut);
    multiply(gradOut.data, this.mask.like(gradOut).data, gx.data);
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

/** Fills `mask` with 0 (probability p) or 1 / (1 − p). */
export function dropoutMask(mask: FloatArray, p: number, rng: Rng): void {
  const scale = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : scale;
}

/** out = a ∘ b. */
export function multiply(a: FloatArray, b: FloatArray, out: FloatArray): void {
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) * (b[i] as number);
}
