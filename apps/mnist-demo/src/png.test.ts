import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { ImageError, pngToDigit } from './png.js';

describe('pngToDigit', () => {
  it('reads a grey PNG and prepares it like MNIST: fitted into 20×20, centred', () => {
    // A 4×10 bar of grey 255 in the corner of a 28×28 picture: scaled ×2 to 8×20, centred.
    const data = new Uint8Array(784);
    for (let r = 0; r < 10; r++) for (let c = 0; c < 4; c++) data[r * 28 + c] = 255;
    const digit = pngToDigit(encode({ width: 28, height: 28, data, channels: 1, depth: 8 }));
    expect(digit.width).toBe(28);
    expect(digit.inverted).toBe(false);
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++)
        expect(digit.pixels[r * 28 + c]).toBe(r >= 5 && r < 25 && c >= 11 && c < 19 ? 1 : 0);
  });

  it('reads an RGBA PNG with alpha over black', () => {
    const side = 56;
    const data = new Uint8Array(side * side * 4);
    // An opaque white 20×20 square and a fully transparent white one: only the first is ink.
    for (let y = 30; y < 50; y++)
      for (let x = 2; x < 22; x++) {
        data.set([255, 255, 255, 255], (y * side + x) * 4);
        data.set([255, 255, 255, 0], ((y - 28) * side + x + 30) * 4);
      }
    const digit = pngToDigit(encode({ width: side, height: side, data, channels: 4, depth: 8 }));
    expect(digit.pixels.reduce((a, b) => a + b, 0)).toBe(400);
    expect(digit.pixels[5 * 28 + 5]).toBe(1);
    expect(digit.pixels[24 * 28 + 24]).toBe(1);
    expect(digit.pixels[4 * 28 + 5]).toBe(0);
  });

  it('inverts a dark digit on a light background', () => {
    const data = new Uint8Array(784).fill(255);
    data[100] = 0;
    const digit = pngToDigit(encode({ width: 28, height: 28, data, channels: 1, depth: 8 }));
    expect(digit.inverted).toBe(true);
    // One pixel of ink, blown up to fill the 20×20 box.
    expect(digit.pixels.reduce((a, b) => a + b, 0)).toBe(400);
    expect(digit.pixels[0]).toBe(0);
  });

  it('names the file when the bytes are not a PNG', () => {
    expect(() => pngToDigit(new Uint8Array([1, 2, 3]), 'digit.png')).toThrow(ImageError);
    expect(() => pngToDigit(new Uint8Array([1, 2, 3]), 'digit.png')).toThrow(
      /digit\.png is not a readable PNG/,
    );
  });
});
