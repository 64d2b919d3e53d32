import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canImportTorch,
  classifyBlas,
  describeTorch,
  findTorchPython,
  parseTorchInfo,
  pythonCandidates,
  RUNNER,
  TORCH_MALLOC_ENV,
  type TorchInfo,
  torchEnv,
  torchSkipNote,
} from './pytorch.js';
import { RemoteProcess } from './remote.js';

const info = (blas: Partial<TorchInfo['blas']>): TorchInfo => ({
  torch: '1.13.0a0',
  python: '3.11.2',
  executable: '/usr/bin/python3',
  intraOpThreads: 1,
  interOpThreads: 1,
  blasBuild: 'generic',
  blas: { mapped: [], threadpoolctl: true, pools: [], ...blas },
  env: {},
});

const DEBIAN_OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so';

describe('classifyBlas', () => {
  it('takes the BLAS pool threadpoolctl reports, with its file and threads', () => {
    const verdict = classifyBlas(
      info({
        mapped: ['/usr/lib/x86_64-linux-gnu/libgomp.so.1.0.0', DEBIAN_OPENBLAS],
        pools: [
          { user_api: 'openmp', internal_api: 'openmp', num_threads: 1 },
          { user_api: 'blas', internal_api: 'openblas', num_threads: 2, filepath: DEBIAN_OPENBLAS },
        ],
      }),
    );
    expect(verdict).toEqual({ kind: 'openblas', library: DEBIAN_OPENBLAS, threads: 2 });
  });

  it('recognises OpenBLAS from the mapped libraries when threadpoolctl is missing', () => {
    const verdict = classifyBlas(
      info({
        threadpoolctl: false,
        mapped: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', DEBIAN_OPENBLAS],
      }),
    );
    expect(verdict.kind).toBe('openblas');
  });

  it("flags Debian's reference BLAS: a libblas.so with no optimised library beside it", () => {
    const verdict = classifyBlas(
      info({
        mapped: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'],
        pools: [{ user_api: 'openmp', internal_api: 'openmp', num_threads: 1 }],
      }),
    );
    expect(verdict).toEqual({
      kind: 'reference',
      library: '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0',
    });
    expect(describeTorch(info({}), verdict)).toMatch(/BLAS reference/);
  });

  it('says unknown when no BLAS library is visible', () => {
    expect(classifyBlas(info({})).kind).toBe('unknown');
  });
});

describe('finding PyTorch', () => {
  it('tries $NABLA_BENCH_PYTHON alone, else python3 then the system /usr/bin/python3', () => {
    expect(pythonCandidates({ NABLA_BENCH_PYTHON: '/opt/venv/bin/python' })).toEqual([
      '/opt/venv/bin/python',
    ]);
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(pythonCandidates({ NABLA_BENCH_PYTHON: '' })).toEqual(['python3', '/usr/bin/python3']);
  });

  it('takes the first interpreter that imports torch, none when none does (then it is skipped)', () => {
    const tried: string[] = [];
    const probe = (withTorch: string[]) => (python: string) => {
      tried.push(python);
      return withTorch.includes(python);
    };
    expect(findTorchPython(['python3', '/usr/bin/python3'], probe(['/usr/bin/python3']))).toBe(
      '/usr/bin/python3',
    );
    expect(tried).toEqual(['python3', '/usr/bin/python3']);
    expect(findTorchPython(['python3', '/usr/bin/python3'], probe([]))).toBeUndefined();
    expect(canImportTorch('/nonexistent/python3')).toBe(false);
  }, 30_000);

  it('skips with one line that names the interpreters and the Debian packages', () => {
    const note = torchSkipNote(['python3', '/usr/bin/python3']);
    expect(note.split('\n')).toHaveLength(1);
    expect(note).toMatch(/python3 and \/usr\/bin\/python3/);
    expect(note).toMatch(/python3-torch libopenblas0-pthread python3-threadpoolctl/);
  });

  it('rejects a hello reply without the fields the report needs', () => {
    expect(() => parseTorchInfo({ torch: '1.13' })).toThrow(/no valid info/);
    expect(parseTorchInfo(info({})).torch).toBe('1.13.0a0');
  });
});

describe('torchEnv', () => {
  it("gives PyTorch glibc malloc settings that keep freed memory, unless the user's own win", () => {
    const base = { PATH: '/usr/bin', HOME: '/root' };
    expect(torchEnv(base)).toEqual({ ...base, ...TORCH_MALLOC_ENV });
    expect(TORCH_MALLOC_ENV).toEqual({
      MALLOC_MMAP_THRESHOLD_: '33554432',
      MALLOC_TRIM_THRESHOLD_: '1073741824',
    });
    // A malloc setting of the user's own, or an explicit opt-out, leaves glibc as the user has it.
    const own = { ...base, MALLOC_ARENA_MAX: '2' };
    expect(torchEnv(own)).toEqual(own);
    const tunables = { ...base, GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' };
    expect(torchEnv(tunables)).toEqual(tunables);
    const optOut = { ...base, NABLA_BENCH_TORCH_MALLOC: 'default' };
    expect(torchEnv(optOut)).toEqual(optOut);
    // The caller's object is not changed.
    expect(base).toEqual({ PATH: '/usr/bin', HOME: '/root' });
  });
});

// The Python runner itself, when this machine has PyTorch (the bench skips it otherwise).
const python = findTorchPython(pythonCandidates(process.env), canImportTorch);

describe.skipIf(python === undefined)('bench/pytorch/runner.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-runner-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports itself, times products and epochs, and names bad requests', async () => {
    const runner = new RemoteProcess(
      'pytorch',
      python as string,
      [RUNNER],
      dir,
      torchEnv({ PATH: process.env.PATH }),
    );
    try {
      const hello = await runner.request('hello');
      const torchInfo = parseTorchInfo(hello.info);
      // The runner reports the malloc settings it runs with (they go into the bench's JSON).
      expect(torchInfo.env).toMatchObject(TORCH_MALLOC_ENV);
      expect(torchInfo.intraOpThreads).toBeGreaterThan(0);
      expect(classifyBlas(torchInfo).kind).not.toBe('unknown');

      const prepared = await runner.request('matmul-prepare', {
        m: 8,
        n: 4,
        k: 16,
        transA: true,
        transB: true,
        runs: 1,
        minRunMs: 1,
        warmupMs: 1,
      });
      expect(prepared.repeats).toBeGreaterThanOrEqual(1);
      expect((await runner.request('matmul-run')).seconds).toBeGreaterThan(0);

      // 10 images of 4 "pixels" and their labels, as the bench writes the MNIST bytes.
      const images = join(dir, 'images.u8');
      const labels = join(dir, 'labels.u8');
      writeFileSync(
        images,
        Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 256),
      );
      writeFileSync(
        labels,
        Uint8Array.from({ length: 10 }, (_, i) => i % 3),
      );
      const fields = { images, labels, length: 10, features: 4 };
      const setup = { sizes: [4, 5, 3], batchSize: 4, lr: 0.1, ...fields };
      expect((await runner.request('train-setup', setup)).info).toMatch(/optim\.SGD/);
      expect((await runner.request('train-epoch', { samples: 10 })).seconds).toBeGreaterThan(0);
      await expect(runner.request('train-epoch', { samples: 11 })).rejects.toThrow(
        /pytorch: train-epoch failed: ValueError: train-epoch: samples must be in 1\.\.10, got 11/,
      );
      await expect(runner.request('train-setup', { ...setup, length: 11 })).rejects.toThrow(
        /images .*images\.u8: expected 44 bytes, got 40/,
      );
      await runner.request('dispose');
      await expect(runner.request('matmul-run')).rejects.toThrow(/before matmul-prepare/);
      await expect(runner.request('nope')).rejects.toThrow(/unknown op 'nope'/);
    } finally {
      await runner.close();
    }
  }, 120_000);
});

const hasPython = spawnSync('python3', ['--version']).status === 0;

it.skipIf(!hasPython)(
  'the runner parses as Python (also where PyTorch is missing)',
  () => {
    const check = 'import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])';
    const r = spawnSync('python3', ['-c', check, RUNNER], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  },
  60_000,
);
