import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEdgeShapes, checkMatmul, type MatmulPath, matmulCases } from '../conformance.js';
import { jsMatmul } from '../js/matmul.js';
import type { GemmJob } from '../kernels.js';
import { WasmKernels } from './kernels.js';
import { probeWasm } from './module.js';

// Node 20 validates relaxed SIMD only behind a V8 flag; turning it on here lets this file test the
// relaxed kernel too (Node >= 22 and current browsers have it on by default).
if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

interface Path {
  name: string;
  available: boolean;
  make: () => MatmulPath;
}

/** A wasm kernel as a conformance path (float32 operands; running out of memory is a failure). */
function wasmPath(kernels: WasmKernels): MatmulPath {
  return {
    name: kernels.name,
    run(job) {
      if (!kernels.matmul(job as GemmJob<Float32Array>)) throw new Error('out of memory');
    },
  };
}

const paths: Path[] = [
  { name: 'js', available: true, make: () => ({ name: 'js', run: jsMatmul }) },
  {
    name: 'wasm-simd',
    available: support.simd,
    make: () => wasmPath(new WasmKernels('simd')),
  },
  {
    name: 'wasm-relaxed-simd',
    available: support.relaxedSimd,
    make: () => wasmPath(new WasmKernels('relaxed-simd')),
  },
  {
    name: 'wasm-simd over a shared memory',
    available: support.sharedSimd,
    make: () => wasmPath(new WasmKernels('simd', { memory: WasmKernels.sharedMemory() })),
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

describe('WasmKernels with a memory limit', () => {
  it('refuses (returns false, writes nothing) what does not fit, runs what does', () => {
    // A product needs its operands plus ~1.1 MB of packing scratch per thread.
    const kernels = new WasmKernels('simd', { memoryLimit: 2 * 1024 * 1024 });
    const small = { m: 16, n: 16, k: 16 };
    const a = new Float32Array(small.m * small.k).fill(1);
    const b = new Float32Array(small.k * small.n).fill(2);
    const c = new Float32Array(small.m * small.n);
    const job = { a, b, c, ...small, transA: false, transB: false, accumulate: false };
    expect(kernels.matmul(job)).toBe(true);
    expect(c[0]).toBe(32);
    const big = new Float32Array(300 * 300).fill(1);
    const out = new Float32Array(300 * 300).fill(7);
    const refused = { a: big, b: big, c: out, m: 300, n: 300, k: 300 };
    expect(kernels.matmul({ ...refused, transA: false, transB: false, accumulate: true })).toBe(
      false,
    );
    expect(out.every((x) => x === 7)).toBe(true);
    expect(kernels.memory.buffer.byteLength).toBeLessThanOrEqual(2 * 1024 * 1024);
    const long = new Float32Array(300_000);
    expect(kernels.sgd(long, long, 0.1)).toBe(false);
  });
});
