import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MnistSplit } from './mnist.js';
import { MnistDataset, pixelTable } from './mnist-dataset.js';

/** Three 2×2 images whose pixels are 0, 51, 102, 255 in rotation. */
const split: MnistSplit = {
  images: Uint8Array.of(0, 51, 102, 255, 255, 0, 51, 102, 102, 255, 0, 51),
  labels: Uint8Array.of(3, 9, 0),
  length: 3,
  height: 2,
  width: 2,
};

describe('MnistDataset', () => {
  it('returns an image as a view of its bytes and its label', () => {
    const d = new MnistDataset(split);
    expect(d.length).toBe(3);
    expect(d.pixels).toBe(4);
    const item = d.get(1);
    expect(Array.from(item.image)).toEqual([255, 0, 51, 102]);
    expect(item.image.buffer).toBe(split.images.buffer);
    expect(item.label).toBe(9);
    expect(() => d.get(3)).toThrow('index 3 is out of range for a data set of 3 items');
  });

  it('batches images as float32 / 255 and labels as int32, in the order asked', () => {
    const d = new MnistDataset(split);
    const batch = d.createBatch(2);
    expect(batch.x.shape).toEqual([2, 4]);
    expect(batch.y.shape).toEqual([2]);
    d.fillBatch(batch, Int32Array.of(2, 0), 0, 2);
    const expected = [102, 255, 0, 51, 0, 51, 102, 255].map((p) => Math.fround(p / 255));
    expect(Array.from(batch.x.data)).toEqual(expected);
    expect(Array.from(batch.y.data)).toEqual([0, 3]);
  });

  it('standardises with a mean and std, or keeps raw values', () => {
    const standard = new MnistDataset(split, { normalize: { mean: 0.5, std: 0.25 } });
    const batch = standard.createBatch(1);
    standard.fillBatch(batch, Int32Array.of(0), 0, 1);
    const want = [0, 51, 102, 255].map((p) => (p / 255 - 0.5) / 0.25);
    batch.x.data.forEach((v, j) => {
      expect(v).toBeCloseTo(want[j] as number, 6);
    });

    const raw = new MnistDataset(split, { normalize: 'none' });
    const rawBatch = raw.createBatch(1);
    raw.fillBatch(rawBatch, Int32Array.of(1), 0, 1);
    expect(Array.from(rawBatch.x.data)).toEqual([255, 0, 51, 102]);
  });

  it('gathers the same floats whatever the row length and alignment of the bytes', () => {
    // Rows of 28 bytes starting on a 4-byte boundary are read four pixels at a time; rows of 15
    // bytes, or bytes starting at an odd offset of their buffer, one at a time. Both must match
    // the table applied byte by byte.
    fc.assert(
      fc.property(
        fc.constantFrom([4, 7], [3, 5], [28, 28]),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        ([height, width], offset, length, seed) => {
          const pixels = height * width;
          const bytes = new Uint8Array(offset + length * pixels);
          for (let i = 0, s = seed; i < bytes.length; i++) {
            s = (s * 1103515245 + 12345) >>> 0;
            bytes[i] = s >>> 24;
          }
          const images = bytes.subarray(offset);
          const labels = Uint8Array.from({ length }, (_, i) => i % 10);
          const d = new MnistDataset(
            { images, labels, length, height, width },
            { normalize: { mean: 0.13, std: 0.31 } },
          );
          const order = Int32Array.from({ length }, (_, i) => length - 1 - i);
          const batch = d.createBatch(length);
          d.fillBatch(batch, order, 0, length);
          const table = pixelTable({ mean: 0.13, std: 0.31 });
          order.forEach((row, b) => {
            for (let j = 0; j < pixels; j++) {
              expect(batch.x.data[b * pixels + j]).toBe(table[images[row * pixels + j] as number]);
            }
            expect(batch.y.data[b]).toBe(labels[row]);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the image shape when flatten is false', () => {
    const batch = new MnistDataset(split, { flatten: false }).createBatch(3);
    expect(batch.x.shape).toEqual([3, 2, 2]);
  });

  it('batches images as [b, 1, height, width] (NCHW, for Conv2d) with nchw: true', () => {
    const d = new MnistDataset(split, { nchw: true, flatten: true });
    const batch = d.createBatch(2);
    expect(batch.x.shape).toEqual([2, 1, 2, 2]);
    d.fillBatch(batch, Int32Array.of(1, 2), 0, 2);
    // Image 1 is 255, 0, 51, 102 and image 2 is 102, 255, 0, 51, row-major in each plane.
    expect(batch.x.get(0, 0, 0, 0)).toBe(1);
    expect(batch.x.get(0, 0, 1, 1)).toBe(Math.fround(102 / 255));
    expect(batch.x.get(1, 0, 0, 1)).toBe(1);
    expect(batch.x.get(1, 0, 1, 0)).toBe(0);
  });

  it('puts batches in the engine memory with resident: true, and only then', () => {
    const plain = new MnistDataset(split).createBatch(2);
    expect(plain.x.data.buffer).toBeInstanceOf(ArrayBuffer);
    const d = new MnistDataset(split, { resident: true });
    const batch = d.createBatch(2);
    // Node runs the wasm engine over a shared memory: resident arrays are views of it.
    expect(batch.x.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    d.fillBatch(batch, Int32Array.of(2, 0), 0, 2);
    expect([...batch.x.data].map((v) => Math.round(v * 255))).toEqual([
      102, 255, 0, 51, 0, 51, 102, 255,
    ]);
    expect([...batch.y.data]).toEqual([0, 3]);
  });

  it('gives the same batches with precompute: true, for every layout and normalisation', () => {
    for (const options of [
      {},
      { nchw: true },
      { flatten: false, normalize: { mean: 0.1, std: 0.3 } },
    ] as const) {
      const a = new MnistDataset(split, options);
      const b = new MnistDataset(split, { ...options, precompute: true });
      const ba = a.createBatch(3);
      const bb = b.createBatch(3);
      a.fillBatch(ba, Int32Array.of(2, 0, 1), 0, 3);
      b.fillBatch(bb, Int32Array.of(2, 0, 1), 0, 3);
      expect(bb.x.shape).toEqual(ba.x.shape);
      expect([...bb.x.data]).toEqual([...ba.x.data]);
      expect([...bb.y.data]).toEqual([...ba.y.data]);
    }
    expect(() =>
      new MnistDataset(split, { precompute: true }).fillBatch(
        new MnistDataset(split).createBatch(1),
        Int32Array.of(3),
        0,
        1,
      ),
    ).toThrow(RangeError);
  });

  it('rejects a split whose arrays do not match its size, and bad normalisation', () => {
    expect(() => new MnistDataset({ ...split, length: 4 })).toThrow(
      'a split of 4 images of 2×2 needs 16 image bytes and 4 labels, got 12 and 3',
    );
    expect(() => pixelTable({ mean: 0.1, std: 0 })).toThrow('positive finite std');
    expect(() => pixelTable('scale' as 'unit')).toThrow(`expected 'unit', 'none' or { mean, std }`);
  });

  it('refuses to gather an index outside the data set', () => {
    const d = new MnistDataset(split);
    expect(() => d.fillBatch(d.createBatch(1), Int32Array.of(-1), 0, 1)).toThrow(
      'index -1 is out of range',
    );
  });
});
