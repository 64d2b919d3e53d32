import { relaxedSimd, relaxedSimdShared, simd, simdShared } from '../generated/wasm-binaries.js';

/** Which instruction set a wasm kernel uses: plain SIMD128, or relaxed SIMD (fused multiply-add). */
export type SimdLevel = 'simd' | 'relaxed-simd';

/** The exports of the compiled module (assembly/index.ts); addresses are byte offsets. */
export interface ModuleExports {
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    accumulate: number,
    epilogue: number,
    operand: number,
    i0: number,
    i1: number,
    j0: number,
    j1: number,
    work: number,
  ): void;
  /** Scratch bytes one `gemm` call needs. */
  workBytes(): number;
  /** First byte of linear memory the module does not use itself. */
  heapBase(): number;
  /** The fused Adam step of assembly/adam.ts (`vmax` 0 = no AMSGrad). */
  adam(
    value: number,
    grad: number,
    m: number,
    v: number,
    vmax: number,
    n: number,
    stepSize: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    bc2Sqrt: number,
    eps: number,
    l2: number,
    shrink: number,
  ): void;
  /** The plain SGD step of assembly/sgd.ts: value ← value − lr·grad over n floats. */
  sgd(value: number, grad: number, n: number, lr: number): void;
  /** assembly/convert.ts: dst[i] = f32(src[i]·scale + shift) for n bytes at src, n floats at dst. */
  bytesToFloat(src: number, dst: number, n: number, scale: number, shift: number): void;
}

/** What this runtime's WebAssembly accepts (each answered by `WebAssembly.validate` on our modules). */
export interface WasmSupport {
  simd: boolean;
  relaxedSimd: boolean;
  /** Shared memory (threads) with the SIMD module, and a constructible shared `WebAssembly.Memory`. */
  sharedSimd: boolean;
  sharedRelaxedSimd: boolean;
}

/** The wasm variants, by SIMD level and memory kind (base64 from the generated module). */
const binaries: Record<SimdLevel, { own: string; shared: string }> = {
  simd: { own: simd, shared: simdShared },
  'relaxed-simd': { own: relaxedSimd, shared: relaxedSimdShared },
};

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const decoded = new Map<string, Uint8Array<ArrayBuffer>>();
const compiled = new Map<string, WebAssembly.Module>();

function bytesOf(level: SimdLevel, shared: boolean): Uint8Array<ArrayBuffer> {
  const key = `${level}/${shared}`;
  let bytes = decoded.get(key);
  if (bytes === undefined) {
    bytes = decodeBase64(shared ? binaries[level].shared : binaries[level].own);
    decoded.set(key, bytes);
  }
  return bytes;
}

/** The compiled kernel module for a variant (compiled once, synchronously: it is ~3 KB). */
export function kernelModule(level: SimdLevel, shared: boolean): WebAssembly.Module {
  const key = `${level}/${shared}`;
  let mod = compiled.get(key);
  if (mod === undefined) {
    mod = new WebAssembly.Module(bytesOf(level, shared));
    compiled.set(key, mod);
  }
  return mod;
}

function canCreateSharedMemory(): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * Probes the runtime: a module is usable when `WebAssembly.validate` accepts it (relaxed SIMD
 * validates in current browsers and Node ≥ 22, and on Node 20 only with
 * `--experimental-wasm-relaxed-simd`). Nothing is compiled here.
 */
export function probeWasm(): WasmSupport {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
    return { simd: false, relaxedSimd: false, sharedSimd: false, sharedRelaxedSimd: false };
  }
  const valid = (level: SimdLevel, shared: boolean): boolean => {
    try {
      return WebAssembly.validate(bytesOf(level, shared));
    } catch {
      return false;
    }
  };
  const sharedMemory = canCreateSharedMemory();
  return {
    simd: valid('simd', false),
    relaxedSimd: valid('relaxed-simd', false),
    sharedSimd: sharedMemory && valid('simd', true),
    sharedRelaxedSimd: sharedMemory && valid('relaxed-simd', true),
  };
}

/** The best SIMD level the runtime supports, or undefined when it has no wasm SIMD at all. */
export function bestSimdLevel(support: WasmSupport): SimdLevel | undefined {
  if (support.relaxedSimd) return 'relaxed-simd';
  if (support.simd) return 'simd';
  return undefined;
}
