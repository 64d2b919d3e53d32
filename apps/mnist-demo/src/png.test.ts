import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ImageError, pngToDigit } from './png.js';

describe('pngToDigit', () => {
  it('reads a 28×28 8-bit grey PNG as pixels / 255, row-major', () => {
    const data = new Uint8Array(784);
    data[0] = 255;
    data[28 * 3 + 5] = 51;
    const digit = pngToDigit(encode({ width: 28, height: 28, data, channels: 1, depth: 8 }));
    expect(digit.width).toBe(28);
    expect(digit.inverted).toBe(false);
    expect(digit.pixels[0]).toBe(1);
    expect(digit.pixels[28 * 3 + 5]).toBeCloseTo(0.2, 6);
    expect(digit.pixels.reduce((a, b) => a + b, 0)).toBeCloseTo(1.2, 5);
  });

  it('averages a 56×56 RGBA image down to 28×28, alpha over black', () => {
    const side = 56;
    const data = new Uint8Array(side * side * 4);
    // One 2×2 block of white (→ pixel (1,1) = 1) and one half-transparent white pixel in the
    // block of (0,0), which averages to 0.5 / 4.
    for (const [y, x] of [
      [2, 2],
      [2, 3],
      [3, 2],
      [3, 3],
    ] as const) {
      data.set([255, 255, 255, 255], (y * side + x) * 4);
    }
    data.set([255, 255, 255, 0x80], 0);
    const digit = pngToDigit(encode({ width: side, height: side, data, channels: 4, depth: 8 }));
    expect(digit.pixels[28 + 1]).toBeCloseTo(1, 6);
    expect(digit.pixels[0]).toBeCloseTo(0x80 / 255 / 4, 6);
    expect(digit.pixels[2]).toBe(0);
  });

  it('inverts a dark digit on a light background', () => {
    const data = new Uint8Array(784).fill(255);
    data[100] = 0;
    const digit = pngToDigit(encode({ width: 28, height: 28, data, channels: 1, depth: 8 }));
    expect(digit.inverted).toBe(true);
    expect(digit.pixels[100]).toBe(1);
    expect(digit.pixels[0]).toBe(0);
  });

  it('names the file when the bytes are not a PNG', () => {
    expect(() => pngToDigit(new Uint8Array([1, 2, 3]), 'digit.png')).toThrow(ImageError);
    expect(() => pngToDigit(new Uint8Array([1, 2, 3]), 'digit.png')).toThrow(
      /digit\.png is not a readable PNG/,
    );
  });
});
