import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MnistError, type MnistErrorCode } from './errors.js';
import { encodeIdx, parseIdx } from './idx.js';
import { decodeMnistSplit, mnistSplitFromIdx } from './mnist.js';

const images = (n: number, h = 2, w = 3) =>
  encodeIdx({
    dtype: 'uint8',
    shape: [n, h, w],
    data: Uint8Array.from({ length: n * h * w }, (_, i) => i % 256),
  });
const labels = (values: number[]) =>
  encodeIdx({ dtype: 'uint8', shape: [values.length], data: Uint8Array.from(values) });

function mnistError(fn: () => unknown, code: MnistErrorCode): MnistError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MnistError);
    expect((error as MnistError).code).toBe(code);
    return error as MnistError;
  }
  throw new Error(`expected a MnistError with code ${code}`);
}

describe('mnistSplitFromIdx', () => {
  it('keeps the images and labels as bytes with the image size', () => {
    const split = mnistSplitFromIdx(parseIdx(images(4)), parseIdx(labels([5, 0, 9, 1])));
    expect(split.length).toBe(4);
    expect([split.height, split.width]).toEqual([2, 3]);
    expect(split.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(split.images.subarray(6, 12))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(split.labels)).toEqual([5, 0, 9, 1]);
  });

  it('rejects image and label counts that differ, naming both files', () => {
    const e = mnistError(
      () =>
        mnistSplitFromIdx(parseIdx(images(3)), parseIdx(labels([1, 2])), {
          images: 'a.idx',
          labels: 'b.idx',
        }),
      'count-mismatch',
    );
    expect(e.message).toBe('a.idx holds 3 images but b.idx holds 2 labels');
  });

  it('rejects a label outside 0–9, naming its index and value', () => {
    const e = mnistError(
      () =>
        mnistSplitFromIdx(parseIdx(images(3)), parseIdx(labels([1, 10, 2])), { labels: 'l.idx' }),
      'label-out-of-range',
    );
    expect(e.message).toBe('l.idx: label 10 at index 1 is outside 0–9');
  });

  it('rejects files of the wrong dtype or rank', () => {
    const float = parseIdx(
      encodeIdx({ dtype: 'float32', shape: [1, 1, 1], data: new Float32Array(1) }),
    );
    expect(
      mnistError(() => mnistSplitFromIdx(float, parseIdx(labels([1]))), 'wrong-layout').message,
    ).toContain('expected uint8 images of shape [n, height, width], got float32 [1,1,1]');
    const flat = parseIdx(encodeIdx({ dtype: 'uint8', shape: [1, 4], data: new Uint8Array(4) }));
    mnistError(() => mnistSplitFromIdx(flat, parseIdx(labels([1]))), 'wrong-layout');
    mnistError(() => mnistSplitFromIdx(parseIdx(images(2)), parseIdx(images(2))), 'wrong-layout');
  });
});

describe('decodeMnistSplit', () => {
  it('decodes raw and gzipped files alike', async () => {
    const split = await decodeMnistSplit(new Uint8Array(gzipSync(images(2))), labels([3, 4]));
    expect(split.length).toBe(2);
    expect(Array.from(split.labels)).toEqual([3, 4]);
    expect(split.images[7]).toBe(7);
  });
});
