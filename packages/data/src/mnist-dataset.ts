import { bytesToFloat32, residentZeros, Tensor } from '@nabla/tensor';
import { type BatchDataset, checkIndex } from './dataset.js';
import type { MnistSplit } from './mnist.js';

/**
 * How pixels (0–255) become floats: `'unit'` divides by 255 (into [0, 1]); `{ mean, std }` then
 * standardises, x = (p / 255 − mean) / std (MNIST's own statistics are mean 0.1307, std 0.3081);
 * `'none'` keeps 0–255 as floats.
 */
export type Normalization = 'unit' | 'none' | { readonly mean: number; readonly std: number };

/** Options of `new MnistDataset(split, options)`: pixel normalisation and image layout. */
export interface MnistDatasetOptions {
  /** Default `'unit'`. */
  normalize?: Normalization | undefined;
  /** Batch images as [b, height·width] (default, for dense layers) or, when false, [b, height, width]. */
  flatten?: boolean | undefined;
  /**
   * Batch images as [b, 1, height, width] (NCHW with one channel, what `Conv2d` takes); when
   * true, `flatten` is ignored. Default false.
   */
  nchw?: boolean | undefined;
  /**
   * Allocate the batches' images in the engine's memory (`residentZeros` of @nabla/tensor), so
   * the first product of a training step reads them where they are. Their `data` is then a view
   * of shared memory, which some APIs refuse (onnxruntime-node's `Tensor`, a browser's
   * `TextDecoder`): pass those a copy. Default false.
   */
  resident?: boolean | undefined;
  /**
   * Convert every image to float32 once, at construction (4 bytes a pixel: 188 MB for the 60,000
   * MNIST training images), so that a batch is one copy per row instead of a conversion of every
   * pixel. Same values. Default false.
   */
  precompute?: boolean | undefined;
}

/** One MNIST item: the image's bytes (a view, `height·width` long, row-major) and its label. */
export interface MnistItem {
  readonly image: Uint8Array;
  readonly label: number;
}

/** A batch: images as float32 `x` ([b, 784] by default) and labels as int32 `y` ([b]). */
export interface MnistBatch {
  readonly x: Tensor<'float32'>;
  readonly y: Tensor<'int32'>;
}

/**
 * The affine map of a normalisation: pixel p becomes p·scale + shift (computed in float64, then
 * rounded to float32).
 */
function pixelMap(normalize: Normalization): { scale: number; shift: number } {
  if (normalize === 'unit') return { scale: 1 / 255, shift: 0 };
  if (normalize === 'none') return { scale: 1, shift: 0 };
  if (typeof normalize === 'object' && normalize !== null) {
    const { mean, std } = normalize;
    if (!Number.isFinite(mean) || !Number.isFinite(std) || !(std > 0)) {
      throw new RangeError(
        `normalize: expected a finite mean and a positive finite std, got mean ${mean}, std ${std}`,
      );
    }
    return { scale: 1 / (255 * std), shift: -mean / std };
  }
  throw new TypeError(
    `normalize: expected 'unit', 'none' or { mean, std }, got ${JSON.stringify(normalize)}`,
  );
}

/** The float that each pixel value 0–255 becomes, as a 256-entry lookup table. */
export function pixelTable(normalize: Normalization = 'unit'): Float32Array {
  const { scale, shift } = pixelMap(normalize);
  const table = new Float32Array(256);
  for (let p = 0; p < 256; p++) table[p] = p * scale + shift;
  return table;
}

/**
 * MNIST (or any data set of uint8 images with 0–9 labels, such as Fashion-MNIST) as a data set.
 * The images stay bytes; a batch gathers the bytes of its rows into a reused staging buffer and
 * converts them in one call (`bytesToFloat32` of @nabla/tensor: the engine's SIMD kernel, writing
 * a resident batch where it is) into the batch's reused buffer: batching allocates no buffer, only a
 * short-lived view per row.
 */
export class MnistDataset implements BatchDataset<MnistItem, MnistBatch> {
  readonly split: MnistSplit;
  readonly length: number;
  /** Pixels per image (height · width). */
  readonly pixels: number;
  private readonly scale: number;
  private readonly shift: number;
  /** The gathered bytes of the last batch (reused; grown to the largest batch). */
  private staging = new Uint8Array(0);
  private readonly flatten: boolean;
  private readonly nchw: boolean;
  private readonly resident: boolean;
  /** Every image already converted (`precompute`). */
  private readonly converted: Float32Array | undefined = undefined;

  constructor(split: MnistSplit, options: MnistDatasetOptions = {}) {
    const { images, labels, length, height, width } = split;
    const pixels = height * width;
    if (images.length !== length * pixels || labels.length !== length) {
      throw new RangeError(
        `MnistDataset: a split of ${length} images of ${height}×${width} needs ${length * pixels} image bytes and ${length} labels, got ${images.length} and ${labels.length}`,
      );
    }
    this.split = split;
    this.length = length;
    this.pixels = pixels;
    const map = pixelMap(options.normalize ?? 'unit');
    this.scale = map.scale;
    this.shift = map.shift;
    this.flatten = options.flatten ?? true;
    this.nchw = options.nchw ?? false;
    this.resident = options.resident ?? false;
    if (options.precompute === true) {
      this.converted = new Float32Array(images.length);
      bytesToFloat32(images, this.converted, this.scale, this.shift);
    }
  }

  get(index: number): MnistItem {
    checkIndex(index, this.length, 'MnistDataset.get');
    const p = this.pixels;
    return {
      image: this.split.images.subarray(index * p, (index + 1) * p),
      label: this.split.labels[index] as number,
    };
  }

  createBatch(size: number): MnistBatch {
    const { height, width } = this.split;
    const xShape = this.nchw
      ? [size, 1, height, width]
      : this.flatten
        ? [size, this.pixels]
        : [size, height, width];
    return {
      x: this.resident
        ? residentZeros(xShape)
        : new Tensor('float32', new Float32Array(size * this.pixels), xShape),
      y: new Tensor('int32', new Int32Array(size), [size]),
    };
  }

  fillBatch(batch: MnistBatch, indices: Int32Array, start: number, end: number): void {
    const { images, labels } = this.split;
    const { pixels, length } = this;
    const x = batch.x.data;
    const y = batch.y.data;
    const count = end - start;
    if (y.length !== count || x.length !== count * pixels) {
      throw new RangeError(
        `MnistDataset.fillBatch: the batch holds ${y.length} items, expected ${count}`,
      );
    }
    const converted = this.converted;
    if (converted === undefined && this.staging.length < count * pixels) {
      this.staging = new Uint8Array(count * pixels);
    }
    const staging = this.staging;
    for (let b = start, o = 0; b < end; b++, o += pixels) {
      const row = indices[b] as number;
      if (!(row >= 0 && row < length)) checkIndex(row, length, 'MnistDataset.fillBatch');
      y[b - start] = labels[row] as number;
      if (converted !== undefined) x.set(converted.subarray(row * pixels, (row + 1) * pixels), o);
      else staging.set(images.subarray(row * pixels, (row + 1) * pixels), o);
    }
    if (converted === undefined) {
      bytesToFloat32(staging.subarray(0, count * pixels), x, this.scale, this.shift);
    }
  }
}
