import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, MIN_WASM_UPDATE_LENGTH } from '../engine/engine.js';
import { backendName, setBackend } from '../engine/registry.js';
import { jsBytesToFloat } from '../kernels/js/bytes.js';
import { WasmKernels } from '../kernels/wasm/kernels.js';
import { probeWasm, type SimdLevel } from '../kernels/wasm/module.js';
import { residentZeros } from '../resident.js';
import { bytesToFloat32 } from './bytes-to-float.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

/** The maps a loader uses: none, [0, 1], MNIST's standardisation, and odd ones. */
const MAPS: ReadonlyArray<readonly [scale: number, shift: number]> = [
  [1, 0],
  [1 / 255, 0],
  [1 / (255 * 0.3081), -0.1307 / 0.3081],
  [2 / 255, -1],
  [-0.0137, 3.3],
  [1e-30, 1e-38],
];

/** Every byte value, several times, with a seeded tail (n bytes). */
function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i < 256 ? i : s >>> 24;
  });
}

/** What every path must give: the float64 map rounded once (Math.fround). */
const expected = (src: Uint8Array, scale: number, shift: number): Float32Array =>
  Float32Array.from(src, (p) => Math.fround(p * scale + shift));

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe('jsBytesToFloat', () => {
  it('holds the float64 map rounded once, the values of a table built in JS', () => {
    for (const [scale, shift] of MAPS) {
      const src = bytes(256, 1);
      const table = new Float32Array(256);
      for (let p = 0; p < 256; p++) table[p] = p * scale + shift;
      const dst = new Float32Array(256);
      jsBytesToFloat(src, dst, scale, shift);
      expect(sameBits(dst, table)).toBe(true);
      expect(sameBits(dst, expected(src, scale, shift))).toBe(true);
    }
  });
});

describe.each([
  ['simd', support.simd],
  ['relaxed-simd', support.relaxedSimd],
] as Array<[SimdLevel, boolean]>)('wasm-%s bytesToFloat kernel', (level, available) => {
  it.skipIf(!available)(
    'gives the same bits as the JS loop for every byte, every map and any length or offset',
    () => {
      const kern = new WasmKernels(level);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 1100 }),
          fc.integer({ min: 0, max: 15 }),
          fc.integer(),
          fc.constantFrom(...MAPS),
          (n, offset, seed, [scale, shift]) => {
            // A source that starts off any 16-byte boundary, and its bytes kept intact.
            const src = bytes(n + offset, seed).subarray(offset);
            const before = src.slice();
            const dst = new Float32Array(n).fill(Number.NaN);
            expect(kern.bytesToFloat(src, dst, scale, shift)).toBe(true);
            expect(sameBits(dst, expected(before, scale, shift))).toBe(true);
            expect(src).toEqual(before);
          },
        ),
        { numRuns: 120 },
      );
    },
  );

  it.skipIf(!available)(
    'converts a long array a chunk at a time: same bits, the memory grows by a chunk only',
    () => {
      const kern = new WasmKernels(level);
      const n = 3 * (1 << 20) + 5;
      const src = bytes(n, 11);
      const dst = new Float32Array(n);
      const before = kern.memory.buffer.byteLength;
      expect(kern.bytesToFloat(src, dst, 1 / 255, 0)).toBe(true);
      expect(sameBits(dst, expected(src, 1 / 255, 0))).toBe(true);
      // A chunk is 1 MiB of bytes and 4 MiB of floats; the whole array would be 15 MiB.
      expect(kern.memory.buffer.byteLength - before).toBeLessThan(6 * (1 << 20));
    },
  );

  it.skipIf(!available)('writes a resident dst where it is, and nothing past its end', () => {
    const memory = WasmKernels.sharedMemory();
    const kern = new WasmKernels(level, { memory });
    const n = 1000;
    const block = kern.allocate(n + 8);
    if (block === undefined) throw new Error('no resident memory');
    block.fill(-7);
    const dst = block.subarray(0, n);
    const src = bytes(n, 5);
    expect(kern.bytesToFloat(src, dst, 1 / 255, 0)).toBe(true);
    expect(sameBits(dst, expected(src, 1 / 255, 0))).toBe(true);
    expect([...block.subarray(n)]).toEqual(new Array(8).fill(-7));
  });
});

describe('bytesToFloat32', () => {
  afterEach(() => setBackend('auto'));

  it('gives the same bits on every backend, above and below the wasm threshold', () => {
    for (const backend of ['js', 'wasm-simd', 'auto'] as const) {
      setBackend(backend);
      for (const n of [0, 17, MIN_WASM_UPDATE_LENGTH, 100_352]) {
        const src = bytes(n, n + 3);
        for (const [scale, shift] of MAPS) {
          const dst = new Float32Array(n);
          bytesToFloat32(src, dst, scale, shift);
          expect(sameBits(dst, expected(src, scale, shift)), `${backendName()} n=${n}`).toBe(true);
        }
        const resident = residentZeros([n]).data;
        bytesToFloat32(src, resident);
        expect(sameBits(resident, expected(src, 1, 0))).toBe(true);
      }
    }
  });

  it('names what is wrong: types, lengths, non-finite maps, shared memory', () => {
    const src = new Uint8Array(4);
    expect(() => bytesToFloat32(src, new Float32Array(3))).toThrow(
      'bytesToFloat32: src has 4 bytes, dst has 3 elements',
    );
    expect(() => bytesToFloat32(src, new Float32Array(4), Number.NaN)).toThrow(
      'scale and shift must be finite numbers, got NaN and 0',
    );
    expect(() => bytesToFloat32(src, new Float64Array(4) as unknown as Float32Array)).toThrow(
      'expected a Uint8Array and a Float32Array, got Uint8Array and Float64Array',
    );
    const shared = new Float32Array(4);
    expect(() => bytesToFloat32(new Uint8Array(shared.buffer, 0, 4), shared)).toThrow(
      'bytesToFloat32: src and dst share memory',
    );
  });

  it('counts no memory fallback on a private wasm engine', () => {
    const e = createEngine({ backend: 'wasm-simd' });
    const src = bytes(MIN_WASM_UPDATE_LENGTH * 4, 2);
    const dst = new Float32Array(src.length);
    e.bytesToFloat(src, dst, 1 / 255, 0);
    expect(sameBits(dst, expected(src, 1 / 255, 0))).toBe(true);
    expect(e.info().memoryFallbacks).toBe(0);
    e.dispose();
  });
});
