import type { Tensor } from '@nabla/tensor';
import { formatShape, ShapeError } from '@nabla/tensor';

// Shared geometry of the 2-D spatial layers (Conv2d, MaxPool2d, AvgPool2d): option parsing and
// output sizes, so that every layer validates and reports shapes the same way.

/** A size given once for both axes, or as [height, width]. */
export type Pair = number | readonly [number, number];

/** `value` as [height, width], checking that both are integers ≥ `min`. */
export function pair(layer: string, what: string, value: Pair, min: number): [number, number] {
  const p: readonly unknown[] = typeof value === 'number' ? [value, value] : value;
  if (
    !Array.isArray(p) ||
    p.length !== 2 ||
    !p.every((v) => Number.isInteger(v) && (v as number) >= min)
  ) {
    throw new RangeError(
      `${layer}: ${what} must be an integer ≥ ${min} or a pair [h, w] of them, got ${JSON.stringify(value)}`,
    );
  }
  return [p[0] as number, p[1] as number];
}

/** `a×b`, or `a` when both are equal (for layer names). */
export function formatPair(p: readonly [number, number]): string {
  return p[0] === p[1] ? `${p[0]}` : `${p[0]}×${p[1]}`;
}

/** The geometry of a sliding window over an [n, c, h, w] input. */
export interface Window {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}

/**
 * Checks that `x` is [n, channels, h, w] and that the (dilated) kernel fits the padded input;
 * returns the window geometry with the output size
 * ⌊(h + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1 (and the same for w), PyTorch's formula.
 */
export function windowOf(
  layer: string,
  x: Tensor,
  channels: number | undefined,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  dilation: readonly [number, number],
): Window {
  if (x.rank !== 4 || (channels !== undefined && x.shape[1] !== channels)) {
    throw new ShapeError(
      `${layer}: expected input of shape [n,${channels ?? 'c'},h,w] (NCHW), got ${formatShape(x.shape)}`,
    );
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [dh, dw] = dilation;
  const spanH = dh * (kh - 1) + 1;
  const spanW = dw * (kw - 1) + 1;
  if (h + 2 * ph < spanH || w + 2 * pw < spanW) {
    throw new ShapeError(
      `${layer}: input ${formatShape(x.shape)} is too small: its padded size ${h + 2 * ph}×${w + 2 * pw} is less than the ${dh > 1 || dw > 1 ? 'dilated ' : ''}kernel ${spanH}×${spanW}`,
    );
  }
  const oh = Math.floor((h + 2 * ph - spanH) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - spanW) / sw) + 1;
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/** True when two windows describe the same computation (same input and output geometry). */
export function sameWindow(a: Window | undefined, b: Window): boolean {
  return (
    a !== undefined &&
    a.n === b.n &&
    a.c === b.c &&
    a.h === b.h &&
    a.w === b.w &&
    a.oh === b.oh &&
    a.ow === b.ow
  );
}

/**
 * The output columns o in [lo, hi) whose input column o·s − p + j·d lies inside [0, size):
 * computed once per kernel offset so that the inner loops need no bounds test.
 */
export function validRange(
  size: number,
  out: number,
  s: number,
  p: number,
  offset: number,
): [number, number] {
  // o·s − p + offset ≥ 0  ⇔  o ≥ (p − offset) / s;  o·s − p + offset ≤ size − 1.
  const lo = Math.max(0, Math.ceil((p - offset) / s));
  const hi = Math.min(out, Math.floor((size - 1 + p - offset) / s) + 1);
  return [lo, Math.max(lo, hi)];
}
