import { beforeAll, describe, expect, it } from 'vitest';
import type { MnistSplit } from './mnist.js';
import { loadMnist } from './node/load-mnist.js';
import { type DigitSource, prepareDigit } from './prepare-digit.js';

/** The ink's bounding box and centre of mass in a 28 × 28 result. */
function geometry(pixels: Float32Array): { box: number[]; cx: number; cy: number } {
  let x0 = 28;
  let y0 = 28;
  let x1 = -1;
  let y1 = -1;
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const v = pixels[r * 28 + c] as number;
      if (v <= 0) continue;
      x0 = Math.min(x0, c);
      x1 = Math.max(x1, c);
      y0 = Math.min(y0, r);
      y1 = Math.max(y1, r);
      m += v;
      mx += v * (c + 0.5);
      my += v * (r + 0.5);
    }
  }
  return { box: [x0, y0, x1 - x0 + 1, y1 - y0 + 1], cx: mx / m, cy: my / m };
}

/** An RGBA picture of `width`×`height` in `paper` colour with `ink` rectangles. */
function rgba(
  width: number,
  height: number,
  paper: number[],
  ink: number[],
  rects: Array<[number, number, number, number]>,
): DigitSource {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(paper, i * 4);
  for (const [x, y, w, h] of rects)
    for (let r = y; r < y + h; r++)
      for (let c = x; c < x + w; c++) data.set(ink, (r * width + c) * 4);
  return { width, height, data };
}

/**
 * A 28 × 28 MNIST digit rendered `scale` times larger (bilinear) at (`left`, `top`) on a
 * `width`×`height` RGB picture, ink and paper in the given colours.
 */
function render(
  digit: Uint8Array,
  options: { scale: number; left: number; top: number; width: number; height: number },
  ink: [number, number, number],
  paper: [number, number, number],
): DigitSource {
  const { scale, left, top, width, height } = options;
  const data = new Uint8Array(width * height * 3);
  const at = (r: number, c: number): number =>
    r < 0 || c < 0 || r > 27 || c > 27 ? 0 : (digit[r * 28 + c] as number) / 255;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = (y - top + 0.5) / scale - 0.5;
      const sx = (x - left + 0.5) / scale - 0.5;
      const r = Math.floor(sy);
      const c = Math.floor(sx);
      const fy = sy - r;
      const fx = sx - c;
      const v =
        (1 - fy) * ((1 - fx) * at(r, c) + fx * at(r, c + 1)) +
        fy * ((1 - fx) * at(r + 1, c) + fx * at(r + 1, c + 1));
      for (let k = 0; k < 3; k++)
        data[(y * width + x) * 3 + k] = Math.round(
          (paper[k] as number) * (1 - v) + (ink[k] as number) * v,
        );
    }
  }
  return { width, height, data, channels: 3 };
}

describe('prepareDigit', () => {
  it('fits a tall stroke into 20 pixels of height, keeps its aspect ratio and centres it', () => {
    // A 10 × 40 black bar on white, far in a corner of a 200 × 120 picture.
    const { pixels, inverted, box } = prepareDigit(
      rgba(200, 120, [255, 255, 255, 255], [0, 0, 0, 255], [[150, 70, 10, 40]]),
    );
    expect(inverted).toBe(true);
    expect(box).toEqual({ x: 150, y: 70, width: 10, height: 40 });
    const g = geometry(pixels);
    expect(g.box[2]).toBe(5);
    expect(g.box[3]).toBe(20);
    // On whole pixels: the centre of mass within half a pixel of MNIST's, pixel (14, 14) whose
    // centre is at 14.5.
    expect(Math.abs(g.cx - 14.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(g.cy - 14.5)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...pixels)).toBe(1);
    expect(Math.min(...pixels)).toBe(0);
  });

  it('gives the same result wherever the digit is and whatever the colours and polarity', () => {
    const rects: Array<[number, number, number, number]> = [
      [0, 0, 30, 6],
      [24, 0, 6, 44],
    ];
    const shift = (dx: number, dy: number) =>
      rects.map(([x, y, w, h]) => [x + dx, y + dy, w, h] as [number, number, number, number]);
    const reference = prepareDigit(
      rgba(100, 100, [0, 0, 0, 255], [255, 255, 255, 255], shift(5, 5)),
    );
    const moved = prepareDigit(rgba(100, 100, [0, 0, 0, 255], [255, 255, 255, 255], shift(60, 40)));
    const inverted = prepareDigit(
      rgba(100, 100, [255, 255, 255, 255], [0, 0, 0, 255], shift(30, 2)),
    );
    // Blue ink on yellow paper: luma 0.114·255 ≈ 29 on 0.886·255 ≈ 226.
    const coloured = prepareDigit(
      rgba(100, 100, [255, 255, 0, 255], [0, 0, 255, 255], shift(9, 50)),
    );
    expect(moved.pixels).toEqual(reference.pixels);
    expect(inverted.pixels).toEqual(reference.pixels);
    expect(coloured.pixels).toEqual(reference.pixels);
    expect([reference.inverted, inverted.inverted, coloured.inverted]).toEqual([false, true, true]);
  });

  it('keeps dark strokes drawn on a transparent canvas, and light ones', () => {
    const dark = prepareDigit(rgba(50, 50, [0, 0, 0, 0], [0, 0, 0, 255], [[10, 10, 5, 25]]));
    const light = prepareDigit(rgba(50, 50, [0, 0, 0, 0], [255, 255, 255, 255], [[10, 10, 5, 25]]));
    expect(dark.box).toEqual({ x: 10, y: 10, width: 5, height: 25 });
    expect(light.pixels).toEqual(dark.pixels);
    expect(geometry(dark.pixels).box[3]).toBe(20);
  });

  it('returns zeros and no box for a picture without ink', () => {
    for (const picture of [
      rgba(40, 30, [255, 255, 255, 255], [255, 255, 255, 255], []),
      rgba(40, 30, [0, 0, 0, 0], [0, 0, 0, 0], []),
      { width: 1, height: 1, data: [0] },
    ]) {
      const { pixels, box } = prepareDigit(picture);
      expect(box).toBeNull();
      expect(pixels.every((v) => v === 0)).toBe(true);
    }
  });

  it('cuts a faint background texture below the threshold', () => {
    // Paper with a faint grid (grey 20) and one stroke (255): the grid must not widen the box.
    const width = 60;
    const data = new Uint8Array(width * width);
    for (let i = 0; i < data.length; i++) data[i] = i % 7 === 0 ? 20 : 0;
    for (let r = 20; r < 50; r++) for (let c = 30; c < 36; c++) data[r * width + c] = 255;
    const { box } = prepareDigit({ width, height: width, data, channels: 1 });
    expect(box).toEqual({ x: 30, y: 20, width: 6, height: 30 });
    expect(() =>
      prepareDigit({ width, height: width, data, channels: 1 }, { threshold: 1 }),
    ).toThrow(/threshold must be in \[0, 1\), got 1/);
  });

  it('reads 16-bit and float pixels through maxValue', () => {
    const bytes = new Uint8Array(30 * 30);
    const words = new Uint16Array(30 * 30);
    const floats = new Float32Array(30 * 30);
    for (let r = 5; r < 25; r++)
      for (let c = 12; c < 16; c++) {
        bytes[r * 30 + c] = 255;
        words[r * 30 + c] = 65535;
        floats[r * 30 + c] = 1;
      }
    const ref = prepareDigit({ width: 30, height: 30, data: bytes });
    expect(
      prepareDigit({ width: 30, height: 30, data: words }, { maxValue: 65535 }).pixels,
    ).toEqual(ref.pixels);
    expect(prepareDigit({ width: 30, height: 30, data: floats }, { maxValue: 1 }).pixels).toEqual(
      ref.pixels,
    );
  });

  it('names what is wrong with a bad picture', () => {
    expect(() => prepareDigit({ width: 0, height: 5, data: [] })).toThrow(
      'prepareDigit: width and height must be positive integers, got 0×5',
    );
    expect(() => prepareDigit({ width: 2, height: 2, data: [1, 2, 3, 4, 5] })).toThrow(
      'prepareDigit: 5 values do not make 2×2 pixels of 1–4 channels',
    );
    expect(() => prepareDigit({ width: 2, height: 2, data: [1, 2, 3], channels: 1 })).toThrow(
      'prepareDigit: 2×2 pixels of 1 channels need 4 values, got 3',
    );
    expect(() => prepareDigit({ width: 1, height: 1, data: [1, 2, 3, 4, 5], channels: 5 })).toThrow(
      /channels must be 1 \(grey\), 2 \(grey \+ alpha\), 3 \(RGB\) or 4 \(RGBA\), got 5/,
    );
    expect(() => prepareDigit({ width: 1, height: 1, data: [1] }, { maxValue: 0 })).toThrow(
      'prepareDigit: maxValue must be a positive number, got 0',
    );
  });

  describe('on real MNIST test digits', () => {
    let test: MnistSplit;
    beforeAll(async () => {
      ({ test } = await loadMnist());
    });

    it('leaves an MNIST digit nearly as it is, and a large, off-centre, coloured copy close to it', () => {
      // MNIST digits are already prepared: the function should move them by at most a pixel, and
      // a 5× enlarged, inverted, coloured, off-centre rendering should come out close to that.
      let identity = 0;
      let rendered = 0;
      const count = 50;
      for (let i = 0; i < count; i++) {
        const digit = test.images.subarray(i * 784, (i + 1) * 784);
        const direct = prepareDigit({ width: 28, height: 28, data: digit });
        const big = prepareDigit(
          render(
            digit,
            { scale: 5, left: 20 + 7 * (i % 5), top: 3 * (i % 7), width: 200, height: 170 },
            [200, 30, 40],
            [240, 240, 200],
          ),
        );
        const original = Float32Array.from(digit, (v) => v / 255);
        // Correlation of the pixels, against the original and against the direct preparation.
        const corr = (a: Float32Array, b: Float32Array): number => {
          let ab = 0;
          let aa = 0;
          let bb = 0;
          for (let k = 0; k < 784; k++) {
            ab += (a[k] as number) * (b[k] as number);
            aa += (a[k] as number) ** 2;
            bb += (b[k] as number) ** 2;
          }
          return ab / Math.sqrt(aa * bb);
        };
        if (corr(direct.pixels, original) > 0.8) identity++;
        if (corr(big.pixels, direct.pixels) > 0.8) rendered++;
        expect(big.inverted).toBe(true);
      }
      expect(identity).toBeGreaterThanOrEqual(0.9 * count);
      expect(rendered).toBeGreaterThanOrEqual(0.9 * count);
    });
  });
});
