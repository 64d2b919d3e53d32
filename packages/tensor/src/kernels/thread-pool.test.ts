import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMatmul, edgeShapes, matmulCases } from './kernel-conformance.js';
import { ThreadPool, threadsSupported } from './thread-pool.js';
import { createWasmKernels, GemmEngine, type ThreadPolicy } from './wasm.js';
import { gemmModule, probeWasm, type SimdLevel } from './wasm-module.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

describe('threadsSupported', () => {
  it('is true in Node (worker_threads and shared memory)', () => {
    expect(threadsSupported()).toBe(true);
  });
});

describe.each([
  ['simd', support.sharedSimd],
  ['relaxed-simd', support.sharedRelaxedSimd],
] as Array<[SimdLevel, boolean]>)('threaded wasm-%s matmul', (level, available) => {
  // Three parts on two workers plus the caller; minFlops 0 so that even 1×1 products are split
  // wherever the shape allows.
  const policy: ThreadPolicy = { threads: () => 3, minFlops: 0 };
  let engine: GemmEngine;
  let pool: ThreadPool;

  beforeAll(async () => {
    if (!available) return;
    engine = new GemmEngine(level, GemmEngine.sharedMemory());
    pool = new ThreadPool(gemmModule(level, true), engine.memory);
    engine.attachPool(pool);
    await pool.whenReady(2);
  });
  afterAll(() => pool?.close());

  it.skipIf(!available)('splits work across the workers', () => {
    const kern = createWasmKernels(engine, policy);
    checkMatmul(kern, {
      m: 50,
      n: 40,
      k: 30,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 1,
    });
    expect(engine.lastParts).toBe(3);
    checkMatmul(kern, {
      m: 3,
      n: 20,
      k: 30,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 2,
    });
    expect(engine.lastParts).toBe(3);
    checkMatmul(kern, {
      m: 1,
      n: 1,
      k: 5,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 3,
    });
    expect(engine.lastParts).toBe(1);
  });

  it.skipIf(!available)(
    'matches the float64 reference on random shapes and flags',
    () => {
      const kern = createWasmKernels(engine, policy);
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
      const kern = createWasmKernels(engine, policy);
      let seed = 100;
      for (const [m, n, k] of edgeShapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const accumulate of [false, true]) {
              checkMatmul(kern, { m, n, k, transA, transB, accumulate, seed: seed++ });
            }
          }
        }
      }
    },
    60_000,
  );

  it.skipIf(!available)('keeps one thread below the FLOP threshold', () => {
    const kern = createWasmKernels(engine, { threads: () => 3, minFlops: 2 * 64 * 64 * 64 });
    checkMatmul(kern, {
      m: 63,
      n: 64,
      k: 64,
      transA: false,
      transB: true,
      accumulate: false,
      seed: 4,
    });
    expect(engine.lastParts).toBe(1);
    checkMatmul(kern, {
      m: 64,
      n: 64,
      k: 64,
      transA: false,
      transB: true,
      accumulate: false,
      seed: 5,
    });
    expect(engine.lastParts).toBe(3);
  });
});

describe('ThreadPool', () => {
  it('uses only the caller until a worker reports ready', () => {
    const engine = new GemmEngine('simd', GemmEngine.sharedMemory());
    let spawned = 0;
    // A spawner whose workers never start: the pool must not wait for them.
    const pool = new ThreadPool(gemmModule('simd', true), engine.memory, () => {
      spawned++;
      return { stop: () => undefined };
    });
    engine.attachPool(pool);
    const kern = createWasmKernels(engine, { threads: () => 4, minFlops: 0 });
    checkMatmul(kern, {
      m: 40,
      n: 40,
      k: 40,
      transA: true,
      transB: false,
      accumulate: true,
      seed: 6,
    });
    expect(spawned).toBe(3);
    expect(engine.lastParts).toBe(1);
    pool.close();
  });

  it('reports a worker failure instead of returning a wrong result', async () => {
    const engine = new GemmEngine('simd', GemmEngine.sharedMemory());
    const pool = new ThreadPool(gemmModule('simd', true), engine.memory);
    engine.attachPool(pool);
    await pool.whenReady(1);
    const kern = createWasmKernels(engine, { threads: () => 2, minFlops: 0 });
    // A scratch pointer far past the end of memory makes the worker's gemm trap.
    const parts = [
      { i0: 0, i1: 4, j0: 0, j1: 8, work: 1024 },
      { i0: 4, i1: 8, j0: 0, j1: 8, work: 2 ** 31 - 64 },
    ];
    const job = {
      a: 0,
      b: 0,
      c: 0,
      m: 8,
      n: 8,
      k: 1,
      transA: false,
      transB: false,
      accumulate: true,
    };
    expect(() => pool.run(job, parts, () => undefined)).toThrow(/worker thread failed/);
    // The pool still works afterwards.
    checkMatmul(kern, {
      m: 30,
      n: 30,
      k: 30,
      transA: false,
      transB: false,
      accumulate: false,
      seed: 7,
    });
    expect(engine.lastParts).toBe(2);
    pool.close();
  });
});
