import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingData } from './mnist.js';
import { RemoteProcess } from './remote.js';
import type { RemoteSystem } from './remote-systems.js';

/** One BLAS thread pool as threadpoolctl reports it. */
export interface BlasPool {
  readonly user_api?: string | null;
  readonly internal_api?: string | null;
  readonly version?: string | null;
  readonly num_threads?: number | null;
  readonly threading_layer?: string | null;
  readonly filepath?: string | null;
}

/** What bench/pytorch/runner.py reports about itself (its `hello` reply's `info`). */
export interface TorchInfo {
  readonly torch: string;
  readonly python: string;
  readonly executable: string;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** `BLAS_INFO` of `torch.__config__.show()`, the BLAS torch was built against. */
  readonly blasBuild: string | null;
  readonly blas: {
    /** Real paths of the BLAS/LAPACK/OpenMP libraries mapped into the process. */
    readonly mapped: readonly string[];
    /** Whether threadpoolctl could be imported. */
    readonly threadpoolctl: boolean;
    readonly pools: readonly BlasPool[];
  };
  readonly env: Readonly<Record<string, string>>;
}

/** The BLAS that PyTorch's products actually run on. */
export interface BlasVerdict {
  /** `reference` is Debian's netlib BLAS: correct, single-threaded and ~20× slower. */
  readonly kind: 'openblas' | 'mkl' | 'blis' | 'reference' | 'unknown';
  /** The library file, when known. */
  readonly library?: string;
  /** Its thread count, when threadpoolctl reports it. */
  readonly threads?: number;
}

const OPTIMISED = ['openblas', 'mkl', 'blis'] as const;

/**
 * Tells OpenBLAS (or MKL, BLIS) from the reference BLAS. threadpoolctl names the optimised
 * libraries it finds; the reference BLAS it does not know, so a `libblas.so*` mapped into the
 * process with no optimised library beside it is the reference one. (Debian picks libblas.so.3
 * through update-alternatives: `…/blas/libblas.so.3` is the reference BLAS,
 * `…/openblas-pthread/libblas.so.3` is OpenBLAS.)
 */
export function classifyBlas(info: TorchInfo): BlasVerdict {
  for (const pool of info.blas.pools) {
    const api = (pool.internal_api ?? '').toLowerCase();
    const kind = OPTIMISED.find((k) => api === k);
    if (pool.user_api === 'blas' && kind !== undefined) {
      return {
        kind,
        ...(pool.filepath ? { library: pool.filepath } : {}),
        ...(typeof pool.num_threads === 'number' ? { threads: pool.num_threads } : {}),
      };
    }
  }
  for (const path of info.blas.mapped) {
    const kind = OPTIMISED.find((k) => path.toLowerCase().includes(k));
    if (kind !== undefined) return { kind, library: path };
  }
  const reference = info.blas.mapped.find((p) => /(^|\/)libblas\.so/.test(p));
  if (reference !== undefined) return { kind: 'reference', library: reference };
  return { kind: 'unknown' };
}

/** The warning printed (and kept in the JSON) when PyTorch runs on the reference BLAS. */
export const REFERENCE_BLAS_WARNING =
  'PyTorch runs on the REFERENCE BLAS (no OpenBLAS found): its products are ~20× slower than with OpenBLAS, so its figures and every ratio to it are meaningless. On Debian: apt-get install libopenblas0-pthread';

/** One line describing the PyTorch side: version, BLAS, threads. */
export function describeTorch(info: TorchInfo, blas: BlasVerdict): string {
  const threads = blas.threads === undefined ? '' : `, ${blas.threads} BLAS threads`;
  const lib = blas.library === undefined ? '' : ` (${blas.library})`;
  return `torch ${info.torch} on Python ${info.python}, BLAS ${blas.kind}${lib}${threads}, ${info.intraOpThreads} intra-op / ${info.interOpThreads} inter-op threads${info.blas.threadpoolctl ? '' : ', threadpoolctl not installed'}`;
}

/**
 * The interpreters tried for PyTorch, in order: `$NABLA_BENCH_PYTHON` alone when set, else
 * `python3` on the PATH and then the system's `/usr/bin/python3` (Debian's python3-torch installs
 * there, which a pyenv or venv `python3` earlier on the PATH does not see).
 */
export function pythonCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  const chosen = env.NABLA_BENCH_PYTHON;
  if (chosen !== undefined && chosen !== '') return [chosen];
  return ['python3', '/usr/bin/python3'];
}

/** The first candidate for which `canImportTorch` holds, or undefined. */
export function findTorchPython(
  candidates: readonly string[],
  canImportTorch: (python: string) => boolean,
): string | undefined {
  return candidates.find((python) => canImportTorch(python));
}

/** Whether `python -c 'import torch'` succeeds. */
export function canImportTorch(python: string): boolean {
  const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

/** The one-line note printed when PyTorch is skipped. */
export function torchSkipNote(candidates: readonly string[]): string {
  return `PyTorch skipped: \`import torch\` fails with ${candidates.join(' and ')} (Debian: apt-get install python3-torch libopenblas0-pthread python3-threadpoolctl; or set NABLA_BENCH_PYTHON)`;
}

/**
 * glibc malloc settings the PyTorch runner gets: no `mmap` for blocks under 32 MiB and no
 * returning of freed heap to the system under 1 GiB. With glibc's defaults PyTorch's freed batch
 * and activation tensors go back to the system and every step page-faults them in again; on this
 * project's VM a page fault costs ~13 µs, which made PyTorch's figures swing 2–3× between runs
 * (config A: 48k–145k samples/s in one process; B: 8k–10k, against 15k–17k with these settings).
 * These are what a PyTorch user who tunes the allocator (or links jemalloc/tcmalloc) gets; the
 * bench measures PyTorch at its best.
 */
export const TORCH_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(1024 * 1024 * 1024),
};

/**
 * The PyTorch runner's environment: `env` with {@link TORCH_MALLOC_ENV}, unless the user set a
 * glibc malloc variable themselves (theirs win) or `NABLA_BENCH_TORCH_MALLOC=default` asks for
 * glibc's defaults.
 */
export function torchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.NABLA_BENCH_TORCH_MALLOC === 'default') return { ...env };
  const own = Object.keys(env).some((k) => k.startsWith('MALLOC_') || k === 'GLIBC_TUNABLES');
  return own ? { ...env } : { ...env, ...TORCH_MALLOC_ENV };
}

/** The MNIST bytes written for the Python side, so that both read the very same images. */
export interface MnistFiles {
  readonly fields: Record<string, unknown>;
  remove(): void;
}

export function writeMnistBytes(data: TrainingData): MnistFiles {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bench-'));
  const images = join(dir, 'train-images.u8');
  const labels = join(dir, 'train-labels.u8');
  writeFileSync(images, data.split.images);
  writeFileSync(labels, data.split.labels);
  return {
    fields: { images, labels, length: data.length, features: data.features },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The Python runner, bench/pytorch/runner.py. */
export const RUNNER = join(dirname(fileURLToPath(import.meta.url)), '..', 'pytorch', 'runner.py');

/** Parses the `hello` reply's info, checking the fields the report relies on. */
export function parseTorchInfo(value: unknown): TorchInfo {
  const v = value as Partial<TorchInfo> | null;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.torch !== 'string' ||
    typeof v.intraOpThreads !== 'number' ||
    typeof v.blas !== 'object' ||
    !Array.isArray(v.blas?.mapped) ||
    !Array.isArray(v.blas?.pools)
  ) {
    throw new Error(`pytorch: hello reply has no valid info: ${JSON.stringify(value)}`);
  }
  return v as TorchInfo;
}

/** PyTorch as measured in this run: the process, its info and the BLAS verdict. */
export interface PytorchSide extends RemoteSystem {
  readonly info: TorchInfo;
  readonly blasVerdict: BlasVerdict;
}

/** Starts the Python runner with `python` and asks it what it runs on. */
export async function startPytorch(
  python: string,
  trainFields: RemoteSystem['trainFields'],
): Promise<PytorchSide> {
  const process = new RemoteProcess(
    'pytorch',
    python,
    [RUNNER],
    dirname(RUNNER),
    torchEnv(globalThis.process.env),
  );
  const hello = await process.request('hello');
  const info = parseTorchInfo(hello.info);
  const blasVerdict = classifyBlas(info);
  const side: PytorchSide = {
    process,
    name: 'pytorch',
    description: describeTorch(info, blasVerdict),
    trainFields,
    info,
    blasVerdict,
  };
  return side;
}
