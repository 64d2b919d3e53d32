import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_WASM_UPDATE_LENGTH as MIN_WASM_SGD_LENGTH } from '../engine/engine.js';
import { backendName, setBackend } from '../engine/registry.js';
import { jsSgd } from '../kernels/js/sgd.js';
import { WasmKernels } from '../kernels/wasm/kernels.js';
import { probeWasm, type SimdLevel } from '../kernels/wasm/module.js';
import { fusedSgdUpdate } from './fused-sgd.js';

if (!probeWasm().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
const support = probeWasm();

/** Values and gradients of float32 precision over several magnitudes, from an integer seed. */
function arrays(n: number, seed: number): { value: Float32Array; grad: Float32Array } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const value = Float32Array.from({ length: n }, () => next() * 10 ** Math.round(next() * 8));
  const grad = Float32Array.from({ length: n }, () => next() * 10 ** Math.round(next() * 8));
  return { value, grad };
}

/** θ − lr·g per element in float64, rounded once to float32: what both paths must give. */
function expected(value: Float32Array, grad: Float32Array, lr: number): Float32Array {
  return value.map((v, i) => Math.fround(v - lr * (grad[i] as number)));
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe.each([
  ['simd', support.simd],
  ['relaxed-simd', support.relaxedSimd],
] as Array<[SimdLevel, boolean]>)('wasm-%s SGD kernel', (level, available) => {
  it.skipIf(!available)(
    'gives the same bits as the JS loop for any length, including a partial last vector',
    () => {
      const kern = new WasmKernels(level);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2100 }),
          fc.integer(),
          fc.constantFrom(0.01, 0.1, 1e-3, 0.3, 2.5),
          (n, seed, lr) => {
            const { value, grad } = arrays(n, seed);
            const want = expected(value, grad, lr);
            const viaJs = value.slice();
            jsSgd(viaJs, grad, lr);
            const gradBefore = grad.slice();
            expect(kern.sgd(value, grad, lr)).toBe(true);
            expect(sameBits(value, want)).toBe(true);
            expect(sameBits(viaJs, want)).toBe(true);
            expect(sameBits(grad, gradBefore)).toBe(true);
          },
        ),
        { numRuns: 80 },
      );
    },
  );
});

describe('fusedSgdUpdate', () => {
  afterEach(() => setBackend('auto'));

  it('updates in place on every backend with the same bits, small and large', () => {
    for (const n of [1, 7, MIN_WASM_SGD_LENGTH - 1, MIN_WASM_SGD_LENGTH, 100_003]) {
      const { value, grad } = arrays(n, n);
      const want = expected(value, grad, 0.01);
      for (const backend of ['js', 'auto'] as const) {
        setBackend(backend);
        const v = value.slice();
        fusedSgdUpdate(v, grad, 0.01);
        expect(sameBits(v, want), `${backendName()} n=${n}`).toBe(true);
      }
    }
  });

  it('handles float64 arrays with the JS loop', () => {
    const value = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const grad = Float64Array.from({ length: 300 }, (_, i) => Math.cos(i));
    const v = value.slice();
    fusedSgdUpdate(v, grad, 0.05);
    v.forEach((x, i) => {
      expect(x).toBe((value[i] as number) - 0.05 * (grad[i] as number));
    });
  });

  it('rejects mismatched arrays and a non-finite rate, naming what is wrong', () => {
    const a = new Float32Array(4);
    expect(() => fusedSgdUpdate(a, new Float32Array(5), 0.1)).toThrow(
      'fusedSgdUpdate: grad has 5 elements, value has 4',
    );
    expect(() => fusedSgdUpdate(a, new Float64Array(4), 0.1)).toThrow(
      'grad is a Float64Array, value is a Float32Array',
    );
    expect(() => fusedSgdUpdate(a, new Float32Array(4), Number.NaN)).toThrow('lr is NaN');
  });
});
