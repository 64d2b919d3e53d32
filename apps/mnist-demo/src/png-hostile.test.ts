import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { greyLevels, ImageError, MAX_PNG_PIXELS, pngToDigit } from './png.js';

/** PNG files built chunk by chunk from the spec, so that tests can break them on purpose. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function ihdr(width: number, height: number, depth: number, colorType: number, interlace = 0) {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}

function png(...chunks: Uint8Array[]): Uint8Array {
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), ...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Scanlines (filter 0) of `values` (w × h samples of `depth` bits), packed MSB first. */
function scanlines(values: number[], w: number, h: number, depth: number): number[] {
  const rowBytes = Math.ceil((w * depth) / 8);
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    const row = new Array<number>(rowBytes).fill(0);
    for (let x = 0; x < w; x++) {
      const bit = x * depth;
      const v = values[y * w + x] as number;
      row[bit >> 3] = (row[bit >> 3] as number) | (v << (8 - depth - (bit & 7)));
    }
    out.push(0, ...row);
  }
  return out;
}

/** An Adam7-interlaced grey PNG of `values` (side × side samples of `depth` bits). */
function interlacedGrey(values: number[], side: number, depth: number): Uint8Array {
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  const raw: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let x = x0; x < side; x += dx) xs.push(x);
    for (let y = y0; y < side; y += dy) ys.push(y);
    if (xs.length === 0 || ys.length === 0) continue;
    const sub = ys.flatMap((y) => xs.map((x) => values[y * side + x] as number));
    raw.push(...scanlines(sub, xs.length, ys.length, depth));
  }
  return png(
    ihdr(side, side, depth, 0, 1),
    chunk('IDAT', deflateSync(Uint8Array.from(raw))),
    chunk('IEND', new Uint8Array(0)),
  );
}

const caught = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('pngToDigit on hostile or unusual PNGs', () => {
  it('refuses a decompression bomb from its declared size, before inflating anything', () => {
    // 5000 × 5000 grey (25 MB of pixels) in 25 KB: over the 4096² cap.
    const side = 5000;
    const rows = new Uint8Array((side + 1) * side);
    const bomb = png(
      ihdr(side, side, 8, 0),
      chunk('IDAT', deflateSync(rows, { level: 9 })),
      chunk('IEND', new Uint8Array(0)),
    );
    expect(bomb.length).toBeLessThan(100_000);
    const e = caught(() => pngToDigit(bomb, 'bomb.png'));
    expect(e).toBeInstanceOf(ImageError);
    expect(e.message).toBe(
      `bomb.png: the PNG declares 5000×5000 pixels, over the limit of ${MAX_PNG_PIXELS} (4096×4096); scale it down first`,
    );
    // 30000 × 30000 declared with no data at all: the same answer, at once.
    const huge = png(ihdr(30000, 30000, 8, 6), chunk('IEND', new Uint8Array(0)));
    expect(caught(() => pngToDigit(huge, 'h.png')).message).toMatch(/declares 30000×30000/);
  });

  it.each([1, 2, 4])('reads an interlaced %i-bit grey PNG pixel for pixel', (depth) => {
    const side = 28;
    const max = 2 ** depth - 1;
    const values = Array.from({ length: side * side }, (_, i) => (i * 7 + (i >> 3)) % (max + 1));
    // A background of 0 on average below the inversion threshold: mostly-dark values.
    const dark = values.map((v, i) => (i % 3 === 0 ? v : 0));
    // The decoder's grey levels (before MNIST's preparation moves and scales the digit).
    const { grey, width, height } = greyLevels(interlacedGrey(dark, side, depth), 'i.png');
    expect([width, height]).toEqual([side, side]);
    for (let i = 0; i < side * side; i++) {
      expect(grey[i]).toBeCloseTo((dark[i] as number) / max, 5);
    }
    expect(() => pngToDigit(interlacedGrey(dark, side, depth), 'i.png')).not.toThrow();
  });

  it('refuses a PNG whose IHDR CRC is wrong, naming the file', () => {
    const good = interlacedGrey(new Array(64).fill(0), 8, 1);
    expect(() => pngToDigit(good)).not.toThrow();
    const bad = good.slice();
    bad[29] = (bad[29] as number) ^ 0xff; // the last byte of IHDR's CRC
    const e = caught(() => pngToDigit(bad, 'crc.png'));
    expect(e).toBeInstanceOf(ImageError);
    expect(e.message).toBe(
      'crc.png is not a readable PNG: chunk "IHDR" at byte 8 has a wrong CRC (the file is damaged)',
    );
  });

  it('refuses a palette image without a palette, and a palette index past its end', () => {
    const idat = chunk('IDAT', deflateSync(Uint8Array.from(scanlines([0, 1, 2, 3], 2, 2, 8))));
    const end = chunk('IEND', new Uint8Array(0));
    const noPalette = caught(() => pngToDigit(png(ihdr(2, 2, 8, 3), idat, end), 'p.png'));
    expect(noPalette).toBeInstanceOf(ImageError);
    expect(noPalette.message).toBe(
      'p.png is not a readable PNG: a palette image (colour type 3) without a PLTE chunk',
    );
    // Two palette entries, but the pixels use indices up to 3.
    const plte = chunk('PLTE', Uint8Array.of(0, 0, 0, 255, 255, 255));
    const short = caught(() => pngToDigit(png(ihdr(2, 2, 8, 3), plte, idat, end), 'q.png'));
    expect(short).toBeInstanceOf(ImageError);
    expect(short.message).toMatch(/^q\.png is not a readable PNG: /);
  });

  it('refuses a depth that does not fit the colour type, naming the file', () => {
    const e = caught(() =>
      pngToDigit(png(ihdr(2, 2, 3, 0), chunk('IEND', new Uint8Array(0))), 'd.png'),
    );
    expect(e.message).toBe(
      'd.png is not a readable PNG: colour type 0 with bit depth 3 is not a valid PNG combination',
    );
  });

  it('damaged interlaced data either fails with the file named or gives pixels in [0, 1]', () => {
    // The old decoder read such files as pixels of −83, −184, … and "predicted" them.
    const side = 16;
    const values = Array.from({ length: side * side }, (_, i) => i % 4);
    const base = interlacedGrey(values, side, 2);
    const idatStart = 8 + 25;
    const idatLength = new DataView(base.buffer).getUint32(idatStart);
    let failures = 0;
    for (let trial = 0; trial < 200; trial++) {
      // Re-deflate damaged raw data so that the damage reaches the filter/unpacking stage.
      const raw = Array.from({ length: 40 + (trial % 60) }, (_, i) => (i * 31 + trial * 17) % 256);
      const file = png(
        ihdr(side, side, 2, 0, 1),
        chunk('IDAT', deflateSync(Uint8Array.from(raw))),
        chunk('IEND', new Uint8Array(0)),
      );
      try {
        const { pixels } = pngToDigit(file, 'x.png');
        for (const p of pixels) expect(p >= 0 && p <= 1).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(ImageError);
        expect((e as Error).message).toMatch(/^x\.png/);
        failures++;
      }
    }
    expect(idatLength).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(0);
  });
});
