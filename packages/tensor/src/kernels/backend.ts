import { jsKernels } from './js.js';
import type { Kernels } from './kernels.js';
import { createWasmKernels, GemmEngine } from './wasm.js';
import { bestSimdLevel, probeWasm, type SimdLevel, type WasmSupport } from './wasm-module.js';

/**
 * Which kernels the ops use. This is the one process-wide setting of the tensor core, and it is
 * explicit: it starts as `auto` (the fastest backend this runtime supports, picked lazily on the
 * first op, never at import time) and changes only through `setBackend`.
 *
 * - `auto`: wasm with relaxed SIMD when the runtime validates it, else wasm SIMD, else JS.
 * - `wasm`: the best wasm SIMD level; an error when the runtime has no wasm SIMD.
 * - `wasm-simd`, `wasm-relaxed-simd`: exactly that level; an error when it is unavailable.
 * - `js`: the plain-JS kernels (also used for float64 by every backend).
 */
export type BackendName = 'auto' | 'js' | 'wasm' | 'wasm-simd' | 'wasm-relaxed-simd';

const NAMES: readonly BackendName[] = ['auto', 'js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd'];

let chosen: Kernels | undefined;
let requested: BackendName = 'auto';
let support: WasmSupport | undefined;
const engines = new Map<SimdLevel, Kernels>();

/**
 * The kernel family `name` resolves to on a runtime with `wasm` support (pure; exported for tests).
 * Throws when a wasm backend is asked for by name and the runtime cannot run it.
 */
export function resolveBackend(name: BackendName, wasm: WasmSupport): 'js' | SimdLevel {
  switch (name) {
    case 'js':
      return 'js';
    case 'auto':
      return bestSimdLevel(wasm) ?? 'js';
    case 'wasm': {
      const level = bestSimdLevel(wasm);
      if (level === undefined) {
        throw new Error('setBackend: wasm: this runtime has no WebAssembly SIMD; use auto or js');
      }
      return level;
    }
    case 'wasm-simd':
      if (!wasm.simd)
        throw new Error('setBackend: wasm-simd: this runtime has no WebAssembly SIMD');
      return 'simd';
    case 'wasm-relaxed-simd':
      if (!wasm.relaxedSimd) {
        throw new Error(
          'setBackend: wasm-relaxed-simd: this runtime does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); use wasm or auto',
        );
      }
      return 'relaxed-simd';
    default:
      throw new RangeError(
        `setBackend: unknown backend ${JSON.stringify(name)}: expected one of ${NAMES.join(', ')}`,
      );
  }
}

function wasmKernels(level: SimdLevel): Kernels {
  let k = engines.get(level);
  if (k === undefined) {
    k = createWasmKernels(new GemmEngine(level));
    engines.set(level, k);
  }
  return k;
}

function pick(name: BackendName): Kernels {
  if (name === 'js') return jsKernels;
  support ??= probeWasm();
  const family = resolveBackend(name, support);
  return family === 'js' ? jsKernels : wasmKernels(family);
}

/** The kernels in use (chosen on first call). */
export function kernels(): Kernels {
  if (chosen === undefined) chosen = pick(requested);
  return chosen;
}

/** Selects the compute backend (see `BackendName`); throws if the runtime cannot run it. */
export function setBackend(name: BackendName): void {
  chosen = pick(name);
  requested = name;
}

/** The name of the backend in use: `js`, `wasm-simd` or `wasm-relaxed-simd`. */
export function backendName(): string {
  return kernels().name;
}
