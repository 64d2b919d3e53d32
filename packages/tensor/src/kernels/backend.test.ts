import { afterEach, describe, expect, it } from 'vitest';
import { fromTypedArray } from '../creation.js';
import { matmul } from '../ops/matmul.js';
import { createRng } from '../random.js';
import { type BackendName, backendName, resolveBackend, setBackend } from './backend.js';
import type { WasmSupport } from './wasm-module.js';

const all: WasmSupport = {
  simd: true,
  relaxedSimd: true,
  sharedSimd: true,
  sharedRelaxedSimd: true,
};
const plain: WasmSupport = { ...all, relaxedSimd: false, sharedRelaxedSimd: false };
const none: WasmSupport = {
  simd: false,
  relaxedSimd: false,
  sharedSimd: false,
  sharedRelaxedSimd: false,
};

describe('resolveBackend', () => {
  it('auto prefers relaxed SIMD, then SIMD, then JS', () => {
    expect(resolveBackend('auto', all)).toBe('relaxed-simd');
    expect(resolveBackend('auto', plain)).toBe('simd');
    expect(resolveBackend('auto', none)).toBe('js');
  });

  it('wasm picks the best level and fails without SIMD', () => {
    expect(resolveBackend('wasm', all)).toBe('relaxed-simd');
    expect(resolveBackend('wasm', plain)).toBe('simd');
    expect(() => resolveBackend('wasm', none)).toThrow(
      /wasm: this runtime has no WebAssembly SIMD/,
    );
  });

  it('named levels are exact and explain what is missing', () => {
    expect(resolveBackend('wasm-simd', all)).toBe('simd');
    expect(resolveBackend('wasm-relaxed-simd', all)).toBe('relaxed-simd');
    expect(() => resolveBackend('wasm-relaxed-simd', plain)).toThrow(
      /--experimental-wasm-relaxed-simd/,
    );
    expect(() => resolveBackend('wasm-simd', none)).toThrow(/wasm-simd/);
    expect(resolveBackend('js', none)).toBe('js');
  });

  it('rejects unknown names, listing the valid ones', () => {
    expect(() => resolveBackend('gpu' as BackendName, all)).toThrow(
      /unknown backend "gpu": expected one of auto, js, wasm, wasm-simd, wasm-relaxed-simd/,
    );
  });
});

describe('setBackend', () => {
  afterEach(() => setBackend('auto'));

  it('switches the kernels the matmul op uses, with equal results up to float32 rounding', () => {
    const rng = createRng(7);
    const data = (n: number) => Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const a = fromTypedArray(data(37 * 53), [37, 53]);
    const b = fromTypedArray(data(53 * 29), [53, 29]);
    setBackend('js');
    expect(backendName()).toBe('js');
    const viaJs = matmul(a, b).data;
    setBackend('wasm-simd');
    expect(backendName()).toBe('wasm-simd');
    const viaWasm = matmul(a, b).data;
    for (let i = 0; i < viaJs.length; i++) {
      expect(Math.abs((viaWasm[i] as number) - (viaJs[i] as number))).toBeLessThan(1e-5);
    }
    setBackend('auto');
    expect(backendName()).toMatch(/^wasm-(relaxed-)?simd$/);
  });

  it('keeps the previous backend when a request fails', () => {
    setBackend('js');
    expect(() => setBackend('nope' as BackendName)).toThrow(RangeError);
    expect(backendName()).toBe('js');
  });
});
