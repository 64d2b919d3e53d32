import { jsKernels } from './js.js';
import type { Kernels } from './kernels.js';
import { coreCount, MAX_WORKERS, ThreadPool, threadsSupported } from './thread-pool.js';
import { ThreadTuner } from './thread-tuner.js';
import { createWasmKernels, type ThreadPolicy, WasmEngine } from './wasm.js';
import {
  bestSimdLevel,
  kernelModule,
  probeWasm,
  type SimdLevel,
  type WasmSupport,
} from './wasm-module.js';

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
let threadCount: number | undefined;

/**
 * Products with fewer floating-point operations (2·m·n·k) than this run on one thread: 8·10⁶ is
 * about 0.2 ms of single-thread work, several times the cost of waking a worker, so that a split
 * can pay even when the worker wakes late. 128³ stays on one thread; the training-step products
 * of a 784-128 layer at batch 64 (1.3·10⁷) are split.
 */
export const MIN_THREADED_FLOPS = 8_000_000;

const maxThreads = (): number => threadCount ?? Math.min(8, coreCount());

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
    support ??= probeWasm();
    const shared = level === 'simd' ? support.sharedSimd : support.sharedRelaxedSimd;
    if (shared && threadsSupported()) k = threadedKernels(level);
    k ??= createWasmKernels(new WasmEngine(level));
    engines.set(level, k);
  }
  return k;
}

/**
 * Kernels over a shared memory that worker threads can join (they start on the first big call),
 * or undefined when the shared memory cannot be had (e.g. no address space for its maximum).
 */
function threadedKernels(level: SimdLevel): Kernels | undefined {
  let engine: WasmEngine;
  try {
    engine = new WasmEngine(level, WasmEngine.sharedMemory());
  } catch {
    return undefined;
  }
  engine.attachPool(new ThreadPool(kernelModule(level, true), engine.memory));
  const policy: ThreadPolicy = {
    threads: maxThreads,
    minFlops: MIN_THREADED_FLOPS,
    tuner: new ThreadTuner(),
  };
  return createWasmKernels(engine, policy);
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

/**
 * Sets how many threads a large float32 matmul may use with the wasm backends (the calling thread
 * included): a whole number from 1 (never split) to 64, or `auto` for the number of cores (at most 8).
 * Worker threads start lazily, on the first product large enough to split, and a size of product
 * is split only while its measured timings show that threads are faster (see the README, "Kernels").
 */
export function setThreads(count: number | 'auto'): void {
  if (count === 'auto') {
    threadCount = undefined;
    return;
  }
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS + 1) {
    throw new RangeError(
      `setThreads: expected a whole number from 1 to ${MAX_WORKERS + 1} or 'auto', got ${String(count)}`,
    );
  }
  threadCount = count;
}

/** The thread count large matmuls may use (see `setThreads`); 1 where threads are unavailable. */
export function getThreads(): number {
  return threadsSupported() ? maxThreads() : 1;
}
