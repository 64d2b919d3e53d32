import type { FloatArray } from '@nabla/tensor';
import type { Window } from './spatial.js';
import { validRange } from './spatial.js';

/**
 * im2col: unfolds the receptive fields of an NCHW input into a matrix `cols` of shape
 * [c·kh·kw, n·oh·ow], row r = (ci, i, j) holding, for every output position (b, y, x), the input
 * value x[b, ci, y·sh − ph + i·dh, x·sw − pw + j·dw] (0 in the padding). A convolution is then
 * one matrix product W[f, c·kh·kw] · cols. Plain gathers: every element of `cols` is written.
 */
export function im2col(x: FloatArray, cols: FloatArray, g: Window): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const plane = oh * ow;
  const rowLength = n * plane;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      const [yLo, yHi] = validRange(h, oh, sh, ph, i * dh);
      for (let j = 0; j < kw; j++) {
        const [xLo, xHi] = validRange(w, ow, sw, pw, j * dw);
        const row = ((ci * kh + i) * kw + j) * rowLength;
        for (let b = 0; b < n; b++) {
          const src = (b * c + ci) * h * w;
          const dst = row + b * plane;
          // Rows of the output whose input row is in the padding are all zero.
          cols.fill(0, dst, dst + yLo * ow);
          for (let y = yLo; y < yHi; y++) {
            const inRow = src + (y * sh - ph + i * dh) * w - pw + j * dw;
            const o = dst + y * ow;
            for (let xo = 0; xo < xLo; xo++) cols[o + xo] = 0;
            if (sw === 1) {
              for (let xo = xLo; xo < xHi; xo++) cols[o + xo] = x[inRow + xo] as number;
            } else {
              for (let xo = xLo; xo < xHi; xo++) cols[o + xo] = x[inRow + xo * sw] as number;
            }
            for (let xo = xHi; xo < ow; xo++) cols[o + xo] = 0;
          }
          cols.fill(0, dst + yHi * ow, dst + plane);
        }
      }
    }
  }
}

/**
 * col2im, the adjoint of `im2col` (its backward): adds every entry of `cols`
 * [c·kh·kw, n·oh·ow] back into the input position it was gathered from, so
 * gx = col2im(Wᵀ · G) is ∂L/∂x. Overlapping windows sum; padding entries are dropped.
 * `gx` is overwritten.
 */
export function col2im(cols: FloatArray, gx: FloatArray, g: Window): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const plane = oh * ow;
  const rowLength = n * plane;
  gx.fill(0, 0, n * c * h * w);
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      const [yLo, yHi] = validRange(h, oh, sh, ph, i * dh);
      for (let j = 0; j < kw; j++) {
        const [xLo, xHi] = validRange(w, ow, sw, pw, j * dw);
        const row = ((ci * kh + i) * kw + j) * rowLength;
        for (let b = 0; b < n; b++) {
          const dstBase = (b * c + ci) * h * w;
          const src = row + b * plane;
          for (let y = yLo; y < yHi; y++) {
            const inRow = dstBase + (y * sh - ph + i * dh) * w - pw + j * dw;
            const o = src + y * ow;
            for (let xo = xLo; xo < xHi; xo++) {
              const k = inRow + xo * sw;
              gx[k] = (gx[k] as number) + (cols[o + xo] as number);
            }
          }
        }
      }
    }
  }
}
