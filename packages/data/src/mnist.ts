import { decodeIdx } from './decode-idx.js';
import { MnistError } from './errors.js';
import type { IdxArray } from './idx.js';

/** The two MNIST splits. */
export type MnistSplitName = 'train' | 'test';

/**
 * One split of an MNIST-style data set, kept as bytes: `images` holds `length` images of
 * `height × width` grey pixels (0–255) row after row, `labels` one class (0–9) per image.
 * The training split is 47 MB this way; conversion to floats happens per batch.
 */
export interface MnistSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly length: number;
  readonly height: number;
  readonly width: number;
}

/** Both splits of MNIST. */
export interface Mnist {
  readonly train: MnistSplit;
  readonly test: MnistSplit;
}

/** The original file names of each split, as published (add `.gz` for the compressed ones). */
export const MNIST_FILES: Readonly<Record<MnistSplitName, { images: string; labels: string }>> =
  Object.freeze({
    train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
    test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
  });

/** The number of classes in MNIST; labels are 0 … NUM_CLASSES − 1. */
export const MNIST_CLASSES = 10;

/**
 * Checks that a parsed image file and label file make one split: uint8 images [n, h, w], uint8
 * labels [n], the same n, every label in 0–9. The names (file paths) go into the error messages.
 * Keeps the parsed arrays (no copy).
 */
export function mnistSplitFromIdx(
  images: IdxArray,
  labels: IdxArray,
  names: { images?: string | undefined; labels?: string | undefined } = {},
): MnistSplit {
  const imagesName = names.images ?? 'images';
  const labelsName = names.labels ?? 'labels';
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new MnistError(
      'wrong-layout',
      `${imagesName}: expected uint8 images of shape [n, height, width], got ${images.dtype} [${images.shape.join(',')}]`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new MnistError(
      'wrong-layout',
      `${labelsName}: expected uint8 labels of shape [n], got ${labels.dtype} [${labels.shape.join(',')}]`,
    );
  }
  const [count, height, width] = images.shape as [number, number, number];
  const labelCount = labels.shape[0] as number;
  if (count !== labelCount) {
    throw new MnistError(
      'count-mismatch',
      `${imagesName} holds ${count} images but ${labelsName} holds ${labelCount} labels`,
    );
  }
  const labelData = labels.data;
  for (let i = 0; i < labelCount; i++) {
    const label = labelData[i] as number;
    if (label >= MNIST_CLASSES) {
      throw new MnistError(
        'label-out-of-range',
        `${labelsName}: label ${label} at index ${i} is outside 0–${MNIST_CLASSES - 1}`,
      );
    }
  }
  return { images: images.data, labels: labelData, length: count, height, width };
}

/**
 * Decodes one split from the bytes of its image and label files (raw or gzipped), in any
 * environment: fetch the files yourself in a browser, or use `loadMnist` from
 * `@nabla/data/node` to read them from disk.
 */
export async function decodeMnistSplit(
  imageBytes: Uint8Array | ArrayBuffer,
  labelBytes: Uint8Array | ArrayBuffer,
  names: { images?: string | undefined; labels?: string | undefined } = {},
): Promise<MnistSplit> {
  const images = await decodeIdx(imageBytes, { source: names.images ?? 'images' });
  const labels = await decodeIdx(labelBytes, { source: names.labels ?? 'labels' });
  return mnistSplitFromIdx(images, labels, names);
}
