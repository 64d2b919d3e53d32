import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../random.js';
import type { AdamCoefficients } from '../kernels.js';
import { WasmKernels } from '../wasm/kernels.js';
import { kernelModule, probeWasm, type SimdLevel } from '../wasm/module.js';
import { ThreadPool } from './pool.js';
import { MIN_THREADED_UPDATE, splitRange } from './update-job.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

describe('splitRange', () => {
  it('covers 0..n once, in order, with starts on 16-element lines and at most `parts` ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1, max: 64 }), (n, p) => {
        const ranges = splitRange(n, p);
        expect(ranges.length).toBeGreaterThan(0);
        expect(ranges.length).toBeLessThanOrEqual(p);
        let next = 0;
        for (const [j0, j1, i0, i1] of ranges) {
          expect([j0, j0 % 16, i0, i1]).toEqual([next, 0, 0, 0]);
          expect(j1).toBeGreaterThan(j0);
          next = j1;
        }
        expect(next).toBe(n);
      }),
    );
  });

  it('keeps a short update whole', () => {
    expect(splitRange(10, 8)).toEqual([[0, 10, 0, 0]]);
    expect(splitRange(33, 8)).toEqual([
      [0, 16, 0, 0],
      [16, 32, 0, 0],
      [32, 33, 0, 0],
    ]);
  });
});

const coefficients: AdamCoefficients = {
  stepSize: 1e-3 / (1 - 0.9 ** 3),
  beta1: 0.9,
  beta2: 0.999,
  bc2Sqrt: Math.sqrt(1 - 0.999 ** 3),
  eps: 1e-8,
  l2: 0.01,
  shrink: 0.9999,
};

/** n random floats (absolute values when `positive`: Adam's v and v̂max). */
function randomArray(n: number, seed: number, positive = false): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => {
    const x = rng.next() - 0.5;
    return positive ? Math.abs(x) : x;
  });
}

const same = (x: Float32Array, y: Float32Array): boolean =>
  x.length === y.length && x.every((a, i) => Object.is(a, y[i]));

describe.each([
  ['simd', support.sharedSimd],
  ['relaxed-simd', support.sharedRelaxedSimd],
] as Array<[SimdLevel, boolean]>)('threaded wasm-%s optimizer updates', (level, available) => {
  let kernels: WasmKernels;
  let pool: ThreadPool;
  /** The same kernels on one thread: the reference. */
  let single: WasmKernels;

  beforeAll(async () => {
    if (!available) return;
    kernels = new WasmKernels(level, { memory: WasmKernels.sharedMemory() });
    pool = new ThreadPool(kernelModule(level, true), kernels.memory);
    kernels.attachThreads(pool, { threads: () => 3, minFlops: 0 });
    single = new WasmKernels(level);
    await pool.whenReady(2);
  });
  afterAll(() => pool?.close());

  /** A copy of x resident in the threaded kernels' memory (or a plain copy). */
  const place = (x: Float32Array, resident: boolean): Float32Array => {
    if (!resident) return x.slice();
    const r = kernels.allocate(x.length);
    if (r === undefined) throw new Error('no resident memory');
    r.set(x);
    return r;
  };

  it.skipIf(!available)(
    'split Adam (with and without AMSGrad) over the threads, bit-identical to one thread',
    () => {
      const workerRanges = (): number => pool.blocksDoneBy(1) + pool.blocksDoneBy(2);
      const before = workerRanges();
      // Lengths off the 4-lane and 16-element grid, resident and copied arrays.
      const cases = [
        { n: MIN_THREADED_UPDATE + 13, resident: true, amsgrad: false },
        { n: 200_003, resident: false, amsgrad: true },
        { n: 200_704, resident: true, amsgrad: true },
      ];
      for (const [index, { n, resident, amsgrad }] of cases.entries()) {
        const start = [0, 1, 2, 3, 4].map((s) => randomArray(n, 10 * index + s, s >= 2));
        const ref = start.map((x) => x.slice());
        const got = start.map((x) => place(x, resident));
        // Several steps, so that a worker surely takes part (who claims which range is scheduling).
        for (let step = 0; step < 20; step++) {
          const vMaxRef = amsgrad ? ref[4] : undefined;
          const vMaxGot = amsgrad ? got[4] : undefined;
          const [r0, r1, r2, r3] = ref as [Float32Array, Float32Array, Float32Array, Float32Array];
          const [g0, g1, g2, g3] = got as [Float32Array, Float32Array, Float32Array, Float32Array];
          expect(single.adam(r0, r1, r2, r3, vMaxRef, coefficients)).toBe(true);
          expect(kernels.adam(g0, g1, g2, g3, vMaxGot, coefficients)).toBe(true);
          expect(kernels.lastUpdateThreads).toBe(3);
        }
        const names = ['value', 'grad', 'm', 'v', 'vMax'];
        expect(
          names.filter((_, i) => !same(got[i] as Float32Array, ref[i] as Float32Array)),
        ).toEqual([]);
      }
      // Who claims which range is scheduling: on a busy machine the worker may not run during
      // the steps above, so keep stepping (a copy) until it takes part, for a few seconds at most.
      const n = 200_704;
      const spare = [0, 1, 2, 3].map((s) => randomArray(n, 90 + s, s >= 2)) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const deadline = performance.now() + 5_000;
      while (workerRanges() === before && performance.now() < deadline) {
        expect(kernels.adam(spare[0], spare[1], spare[2], spare[3], undefined, coefficients)).toBe(
          true,
        );
      }
      expect(workerRanges()).toBeGreaterThan(before);
    },
    60_000,
  );

  it.skipIf(!available)('split SGD the same way, and keep short updates on one thread', () => {
    const n = 150_001;
    const value = randomArray(n, 7);
    const grad = randomArray(n, 8);
    const ref = value.slice();
    const got = place(value, true);
    for (let step = 0; step < 10; step++) {
      expect(single.sgd(ref, grad, 0.05)).toBe(true);
      expect(kernels.sgd(got, grad, 0.05)).toBe(true);
      expect(kernels.lastUpdateThreads).toBe(3);
    }
    expect(same(got, ref)).toBe(true);
    const short = randomArray(MIN_THREADED_UPDATE - 1, 9);
    expect(kernels.sgd(short, grad.subarray(0, short.length), 0.05)).toBe(true);
    expect(kernels.lastUpdateThreads).toBe(1);
  });
});
