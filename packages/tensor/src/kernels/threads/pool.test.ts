import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEdgeShapes,
  checkMatmul,
  type MatmulCase,
  type MatmulPath,
  matmulCases,
} from '../conformance.js';
import type { Block, GemmJob } from '../kernels.js';
import { WasmKernels } from '../wasm/kernels.js';
import { kernelModule, probeWasm, type SimdLevel } from '../wasm/module.js';
import { platformSpawn, threadsUnavailableReason } from './platform.js';
import { ThreadPool } from './pool.js';
import type { ThreadPolicy } from './split.js';
import { shapeKey, ThreadTuner } from './tuner.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

const plain = (m: number, n: number, k: number, seed: number): MatmulCase => ({
  m,
  n,
  k,
  transA: false,
  transB: false,
  accumulate: false,
  seed,
});

/** The kernels as a conformance path, with `policy` (float32; out of memory is a failure). */
function withPolicy(kernels: WasmKernels, pool: ThreadPool, policy: ThreadPolicy): MatmulPath {
  kernels.attachThreads(pool, policy);
  return {
    name: kernels.name,
    run(job) {
      if (!kernels.matmul(job as GemmJob<Float32Array>)) throw new Error('out of memory');
    },
  };
}

/** Shared-memory simd kernels and a pool over their memory (spawn and spin as given). */
function sharedKernels(options: ConstructorParameters<typeof ThreadPool>[2] = {}): {
  kernels: WasmKernels;
  pool: ThreadPool;
} {
  const kernels = new WasmKernels('simd', { memory: WasmKernels.sharedMemory() });
  const pool = new ThreadPool(kernelModule('simd', true), kernels.memory, options);
  return { kernels, pool };
}

describe('the platform', () => {
  it('can run threads in Node (worker_threads and shared memory)', () => {
    expect(threadsUnavailableReason()).toBeUndefined();
    expect(platformSpawn({ loop: '' })).toBeDefined();
  });
});

describe.each([
  ['simd', support.sharedSimd],
  ['relaxed-simd', support.sharedRelaxedSimd],
] as Array<[SimdLevel, boolean]>)('threaded wasm-%s matmul', (level, available) => {
  // Three threads (two workers and the caller); minFlops 0 so that even tiny products are split
  // wherever the shape allows.
  const policy: ThreadPolicy = { threads: () => 3, minFlops: 0 };
  let engine: WasmKernels;
  let pool: ThreadPool;

  beforeAll(async () => {
    if (!available) return;
    engine = new WasmKernels(level, { memory: WasmKernels.sharedMemory() });
    pool = new ThreadPool(kernelModule(level, true), engine.memory);
    await pool.whenReady(2);
  });
  afterAll(() => pool?.close());

  it.skipIf(!available)(
    'splits work into blocks the workers take part in',
    () => {
      const kern = withPolicy(engine, pool, policy);
      checkMatmul(kern, plain(50, 40, 30, 1));
      expect(engine.lastThreads).toBe(3);
      expect(engine.lastBlocks).toBe(6);
      // Who computes which block depends on scheduling; on larger products a worker soon gets some.
      const workerBlocks = (): number => pool.blocksDoneBy(1) + pool.blocksDoneBy(2);
      const before = workerBlocks();
      // (On a busy machine a worker may not run for a while: keep calling for a few seconds.)
      const deadline = performance.now() + 5_000;
      for (let call = 0; workerBlocks() === before && performance.now() < deadline; call++) {
        checkMatmul(kern, plain(200, 200, 200, 10 + call));
      }
      expect(workerBlocks()).toBeGreaterThan(before);
      checkMatmul(kern, plain(1, 1, 5, 3));
      expect(engine.lastThreads).toBe(1);
      expect(engine.lastBlocks).toBe(1);
    },
    60_000,
  );

  it.skipIf(!available)(
    'matches the float64 reference on random shapes and flags',
    () => {
      const kern = withPolicy(engine, pool, policy);
      fc.assert(
        fc.property(matmulCases(60), (c) => checkMatmul(kern, c)),
        { numRuns: 100 },
      );
    },
    60_000,
  );

  it.skipIf(!available)(
    'handles empty, tiny and block-crossing shapes for every flag',
    () => {
      const kern = withPolicy(engine, pool, policy);
      checkEdgeShapes(kern, 100);
    },
    60_000,
  );

  it.skipIf(!available)('gives bit-identical results however the work is split', () => {
    // Each element's sum runs over k in the same order whichever thread computes its block.
    const single = new WasmKernels(level);
    withPolicy(engine, pool, policy);
    for (const [m, n, k, transA, transB] of [
      [131, 67, 300, false, false],
      [64, 128, 784, false, false],
      [784, 128, 64, true, false],
      [64, 784, 128, false, true],
    ] as const) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.91));
      const one = new Float32Array(m * n);
      const many = new Float32Array(m * n);
      const shape = { m, n, k, transA, transB, accumulate: false };
      expect(single.matmul({ a, b, c: one, ...shape })).toBe(true);
      expect(engine.matmul({ a, b, c: many, ...shape })).toBe(true);
      expect(engine.lastThreads).toBe(3);
      expect(engine.lastBlocks).toBeGreaterThan(1);
      expect(many.every((v, i) => Object.is(v, one[i]))).toBe(true);
    }
  });

  it.skipIf(!available)('follows its tuner: threads only where they were faster', () => {
    const tuner = new ThreadTuner(1000);
    const kern = withPolicy(engine, pool, { threads: () => 3, minFlops: 0, tuner });
    const slowThreads = plain(100, 100, 100, 8);
    const fastThreads = plain(300, 300, 300, 9);
    // The engine keys its statistics by shape as well as size.
    const small = shapeKey(100, 100, 100, false, false);
    const large = shapeKey(300, 300, 300, false, false);
    // Timings far from real ones (seconds), so that the calls' own timings, whatever the load,
    // neither change the decisions nor fail to show up below them.
    tuner.record(2 * 100 ** 3, false, 1_000, small);
    tuner.record(2 * 100 ** 3, true, 100_000, small);
    tuner.record(2 * 300 ** 3, false, 100_000, large);
    tuner.record(2 * 300 ** 3, true, 1_000, large);
    checkMatmul(kern, slowThreads);
    expect(engine.lastThreads).toBe(1);
    checkMatmul(kern, fastThreads);
    expect(engine.lastThreads).toBe(3);
    // Each call's own timing went into its class.
    expect(tuner.estimate(2 * 100 ** 3, small).single).toBeLessThan(1_000 / (2 * 100 ** 3));
    // Statistics of another shape of the same size are not used.
    expect(tuner.estimate(2 * 100 ** 3).single).toBeUndefined();
  });

  it.skipIf(!available)('keeps one thread below the FLOP threshold', () => {
    const kern = withPolicy(engine, pool, { threads: () => 3, minFlops: 2 * 64 * 64 * 64 });
    checkMatmul(kern, { ...plain(63, 64, 64, 4), transB: true });
    expect(engine.lastThreads).toBe(1);
    checkMatmul(kern, { ...plain(64, 64, 64, 5), transB: true });
    expect(engine.lastThreads).toBe(3);
  });
});

/** A simd engine with a pool of one ready worker that polls for `spinMicros` when idle. */
async function twoThreadPool(
  spinMicros: number,
): Promise<{ engine: WasmKernels; pool: ThreadPool }> {
  const { kernels: engine, pool } = sharedKernels({ spinMicros });
  await pool.whenReady(1);
  return { engine, pool };
}

describe('ThreadPool', () => {
  it('uses only the caller until a worker reports ready', () => {
    let spawned = 0;
    // A spawner whose workers never start: the pool must not wait for them.
    const { kernels: engine, pool } = sharedKernels({
      spawn: () => {
        spawned++;
        return { stop: () => undefined };
      },
    });
    const kern = withPolicy(engine, pool, { threads: () => 4, minFlops: 0 });
    checkMatmul(kern, { ...plain(40, 40, 40, 6), transA: true, accumulate: true });
    expect(spawned).toBe(3);
    expect(engine.lastThreads).toBe(1);
    pool.close();
  });

  it('runs on the caller alone when workers cannot be started', () => {
    let attempts = 0;
    const { kernels: engine, pool } = sharedKernels({
      spawn: () => {
        attempts++;
        throw new Error('no workers here');
      },
    });
    const kern = withPolicy(engine, pool, { threads: () => 4, minFlops: 0 });
    checkMatmul(kern, plain(40, 40, 40, 11));
    checkMatmul(kern, plain(40, 40, 40, 12));
    expect(engine.lastThreads).toBe(1);
    expect(attempts).toBe(1);
    expect(pool.failure).toBe('worker 1 could not be started: no workers here');
    pool.close();
  });

  it('reports a worker failure instead of returning a wrong result', async () => {
    const { kernels: engine, pool } = sharedKernels();
    await pool.whenReady(1);
    const job = { ...plain(8, 8, 1, 0), a: 0, b: 0, c: 0, accumulate: true };
    // Both blocks reach far past the end of memory, so gemm traps on them in the worker. The
    // caller does not run gemm: on the block it claims (if any) it waits until the worker has
    // been through the other one.
    const blocks: Block[] = [
      [0, 2 ** 24, 0, 8],
      [0, 2 ** 24, 0, 8],
    ];
    const hold = new Int32Array(new SharedArrayBuffer(4));
    const holdUntilWorkerDone = (): void => {
      const deadline = Date.now() + 10_000;
      while (pool.blocksDoneBy(1) === 0 && Date.now() < deadline) Atomics.wait(hold, 0, 0, 1);
    };
    expect(() => pool.run(job, blocks, 2, 1024, 0, holdUntilWorkerDone)).toThrow(
      /worker thread failed/,
    );
    expect(pool.blocksDoneBy(1)).toBeGreaterThanOrEqual(1);
    // The pool still works afterwards.
    const kern = withPolicy(engine, pool, { threads: () => 2, minFlops: 0 });
    checkMatmul(kern, plain(30, 30, 30, 7));
    expect(engine.lastThreads).toBe(2);
    pool.close();
  });

  it('rejects a negative or non-finite spin time', () => {
    const memory = WasmKernels.sharedMemory();
    const module = kernelModule('simd', true);
    expect(() => new ThreadPool(module, memory, { spinMicros: -1 })).toThrow(/spinMicros/);
    expect(() => new ThreadPool(module, memory, { spinMicros: Number.NaN })).toThrow(/spinMicros/);
    expect(() => new ThreadPool(module, memory, { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it.each([
    ['sleep at once', 0],
    ['spin between calls', 20_000],
  ])('computes correctly with workers that %s, and they take part', async (_, spinMicros) => {
    const { engine, pool } = await twoThreadPool(spinMicros);
    const kern = withPolicy(engine, pool, { threads: () => 2, minFlops: 0 });
    for (let call = 0; call < 40; call++) {
      checkMatmul(kern, { ...plain(37 + call, 45, 29, 50 + call), transB: call % 2 === 1 });
      expect(engine.lastThreads).toBe(2);
    }
    // Back-to-back calls: a spinning worker is awake for the next one, a sleeping one is woken.
    const deadline = Date.now() + 10_000;
    for (let call = 0; pool.blocksDoneBy(1) === 0 && Date.now() < deadline; call++) {
      checkMatmul(kern, plain(200, 200, 200, 90 + call));
    }
    expect(pool.blocksDoneBy(1)).toBeGreaterThan(0);
    pool.close();
  });

  it('reports its workers warm for the spin time after a threaded call, then cold', async () => {
    const { engine, pool } = await twoThreadPool(50_000);
    expect(pool.warm()).toBe(false);
    const kern = withPolicy(engine, pool, { threads: () => 2, minFlops: 0 });
    checkMatmul(kern, plain(64, 64, 64, 14));
    expect(engine.lastThreads).toBe(2);
    expect(pool.warm()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(pool.warm()).toBe(false);
    pool.close();
  });

  it('lets an idle worker sleep once its spin time is over (no core burnt while idle)', async () => {
    const { engine, pool } = await twoThreadPool(20_000);
    const kern = withPolicy(engine, pool, { threads: () => 2, minFlops: 0 });
    checkMatmul(kern, plain(64, 64, 64, 13));
    // Past the 20 ms of spinning, the worker waits in Atomics.wait: over the next half second the
    // process uses far less than the half second of CPU a worker polling all along would.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000).toBeLessThan(250);
    pool.close();
  });
});
