import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsKernels } from './js.js';
import { checkEdgeShapes, checkMatmul, matmulCases } from './kernel-conformance.js';
import type { Kernels } from './kernels.js';
import { createWasmKernels, splitWork, WasmEngine } from './wasm.js';
import { probeWasm } from './wasm-module.js';

// Node 20 validates relaxed SIMD only behind a V8 flag; turning it on here lets this file test the
// relaxed kernel too (Node >= 22 and current browsers have it on by default).
if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

interface Path {
  name: string;
  available: boolean;
  make: () => Kernels;
}

const paths: Path[] = [
  { name: 'js', available: true, make: () => jsKernels },
  {
    name: 'wasm-simd',
    available: support.simd,
    make: () => createWasmKernels(new WasmEngine('simd')),
  },
  {
    name: 'wasm-relaxed-simd',
    available: support.relaxedSimd,
    make: () => createWasmKernels(new WasmEngine('relaxed-simd')),
  },
  {
    name: 'wasm-simd over a shared memory',
    available: support.sharedSimd,
    make: () => createWasmKernels(new WasmEngine('simd', WasmEngine.sharedMemory())),
  },
];

describe('the runtime', () => {
  it('has wasm SIMD, so the wasm paths below are not skipped (Node >= 20)', () => {
    expect(support.simd).toBe(true);
    expect(support.relaxedSimd).toBe(true);
    expect(support.sharedSimd).toBe(true);
  });
});

describe.each(paths)('matmul kernel $name', ({ name, available, make }) => {
  it.skipIf(!available)(
    'matches the float64 reference on random shapes and flags',
    () => {
      const kern = make();
      expect(kern.name.startsWith(name.split(' ')[0] as string)).toBe(true);
      fc.assert(
        fc.property(matmulCases(40), (c) => checkMatmul(kern, c)),
        { numRuns: 150 },
      );
    },
    60_000,
  );

  it.skipIf(!available)(
    'handles empty, tiny and block-crossing shapes for every flag',
    () => {
      const kern = make();
      checkEdgeShapes(kern, 1);
    },
    60_000,
  );

  it.skipIf(!available)(
    'reuses and grows its memory across calls of changing size',
    () => {
      const kern = make();
      for (const [m, n, k] of [
        [3, 5, 7],
        [300, 200, 100],
        [2, 2, 2],
        [700, 50, 900],
        [9, 9, 9],
      ] as const) {
        checkMatmul(kern, {
          m,
          n,
          k,
          transA: false,
          transB: false,
          accumulate: false,
          seed: m + n,
        });
      }
    },
    60_000,
  );
});

describe('splitWork', () => {
  it('covers C exactly once with tile-aligned blocks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 8 }),
        (m, n, parts) => {
          const blocks = splitWork(m, n, parts);
          expect(blocks.length).toBeGreaterThanOrEqual(1);
          expect(blocks.length).toBeLessThanOrEqual(parts);
          const hits = new Uint8Array(m * n);
          for (const [i0, i1, j0, j1] of blocks) {
            expect(i0 < i1 && j0 < j1).toBe(true);
            if (i1 < m) expect(i1 % 4).toBe(0);
            if (j1 < n) expect(j1 % 8).toBe(0);
            for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) hits[i * n + j]! += 1;
          }
          expect(hits.every((h) => h === 1)).toBe(true);
        },
      ),
    );
  });

  it('splits the larger dimension', () => {
    expect(splitWork(64, 128, 2)).toEqual([
      [0, 64, 0, 64],
      [0, 64, 64, 128],
    ]);
    expect(splitWork(784, 128, 2)).toEqual([
      [0, 392, 0, 128],
      [392, 784, 0, 128],
    ]);
  });
});
