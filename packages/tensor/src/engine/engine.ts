import type { FloatArray } from '../dtype.js';
import { jsAdam } from '../kernels/js/adam.js';
import { jsBytesToFloat } from '../kernels/js/bytes.js';
import { jsMatmul } from '../kernels/js/matmul.js';
import { jsSgd } from '../kernels/js/sgd.js';
import type { AdamCoefficients, GemmJob } from '../kernels/kernels.js';
import { coreCount, type Spawn, threadsUnavailableReason } from '../kernels/threads/platform.js';
import { MAX_WORKERS, ThreadPool } from '../kernels/threads/pool.js';
import { MIN_THREADED_FLOPS } from '../kernels/threads/split.js';
import { ThreadTuner } from '../kernels/threads/tuner.js';
import { WasmKernels } from '../kernels/wasm/kernels.js';
import {
  kernelModule,
  probeWasm,
  type SimdLevel,
  type WasmSupport,
} from '../kernels/wasm/module.js';

/**
 * Which kernels the engine runs:
 *
 * - `auto` (default): the fastest this runtime can run, falling back relaxed SIMD → SIMD → JS when
 *   a wasm module cannot be compiled or instantiated (no SIMD, a Content-Security-Policy without
 *   `'wasm-unsafe-eval'`, memory limits). Never throws; `engineInfo().reasons` says why it fell back.
 * - `wasm`: the best wasm SIMD level that starts; an error when none does.
 * - `wasm-simd`, `wasm-relaxed-simd`: exactly that level; an error when it cannot start.
 * - `js`: the plain-JS kernels (also used for float64 by every backend).
 */
export type BackendName = 'auto' | 'js' | 'wasm' | 'wasm-simd' | 'wasm-relaxed-simd';

const NAMES: readonly BackendName[] = ['auto', 'js', 'wasm', 'wasm-simd', 'wasm-relaxed-simd'];

/** The version of the `Engine` interface that copies of @nabla/tensor share through `globalThis`. */
export const ENGINE_PROTOCOL = 1;

/**
 * Fused optimizer updates of float32 arrays (and byte conversions) shorter than this run in JS even
 * on a wasm backend: for a bias vector the copies into wasm memory and the call cost more than the
 * loop.
 */
export const MIN_WASM_UPDATE_LENGTH = 256;

/** What `engineInfo()` reports: what the engine runs on, and why, as far as it knows now. */
export interface EngineInfo {
  /** The kernels in use: `js`, `wasm-simd` or `wasm-relaxed-simd`. */
  readonly backend: 'js' | 'wasm-simd' | 'wasm-relaxed-simd';
  /** What was asked for (`setBackend`). */
  readonly requested: BackendName;
  /**
   * Threads large float32 products may use, the caller's included: 1 on the JS backend, where
   * the runtime cannot run threads, or once a worker failed; else the `setThreads` count (workers
   * start on the first large product).
   */
  readonly threads: number;
  /** Worker threads started and ready now. */
  readonly workersReady: number;
  /** Bytes of wasm linear memory the engine holds. */
  readonly memoryBytes: number;
  /** Calls that ran on the JS kernels because the wasm memory could not hold their operands. */
  readonly memoryFallbacks: number;
  /** Why the engine runs on less than was asked for (one line each); empty when it does not. */
  readonly reasons: readonly string[];
  /** The engine protocol version (copies of the package with the same version share the engine). */
  readonly protocol: number;
  /**
   * Whether float32 tensors can live in the engine's memory ("resident": a wasm backend over a
   * shared memory), where the kernels use them without copying.
   */
  readonly resident: boolean;
  /** Bytes of the wasm memory that resident arrays hold now. */
  readonly residentBytes: number;
  /** Resident arrays alive now. */
  readonly residentBlocks: number;
}

/**
 * The compute engine: the kernel table, the wasm module and its memory, the worker pool and its
 * tuner. One engine serves every copy of @nabla/tensor in a process (see `getEngine`). Its methods
 * form a stable protocol (`ENGINE_PROTOCOL`): a copy of another version of the package uses them.
 */
export interface Engine {
  readonly protocol: number;
  /** C = op(A)·op(B) (+ C) over float arrays (float64 always on the JS kernels). */
  matmul(job: GemmJob): void;
  /** One fused Adam/AdamW step (see `fusedAdamUpdate`; arguments checked by the caller). */
  adam(
    value: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    vMax: FloatArray | undefined,
    c: AdamCoefficients,
  ): void;
  /** One plain SGD step (see `fusedSgdUpdate`; arguments checked by the caller). */
  sgd(value: FloatArray, grad: FloatArray, lr: number): void;
  /** dst[i] = f32(src[i]·scale + shift) (see `bytesToFloat32`; arguments checked by the caller). */
  bytesToFloat(src: Uint8Array, dst: Float32Array, scale: number, shift: number): void;
  /**
   * A zeroed float32 array of `length` held by `holder`: resident in the engine's memory when the
   * backend allows (see `EngineInfo.resident`), else an ordinary array. The memory is freed when
   * every holder was given back (`release`) or became unreachable.
   */
  allocate(length: number, holder: object): Float32Array;
  /**
   * Adds `holder` as one more holder of `array`'s memory (an array from `allocate`, or a view of
   * its start). A holder holds one array: holding another releases the first.
   */
  hold(array: Float32Array, holder: object): void;
  /** `holder` no longer holds its array: the memory is freed when it was the last holder. */
  release(holder: object): void;
  /** Whether two arrays share memory (also across the buffers a grown wasm memory hands out). */
  overlapping(a: ArrayBufferView, b: ArrayBufferView): boolean;
  setBackend(name: BackendName): void;
  setThreads(count: number | 'auto'): void;
  info(): EngineInfo;
  /** Ends the workers and frees the wasm memory; the engine starts afresh on its next call. */
  dispose(): void;
}

/** Options of a private engine (tests, benchmarks); the shared one uses the defaults. */
export interface EngineOptions {
  backend?: BackendName;
  threads?: number | 'auto';
  /** The most bytes the wasm memory may hold; calls needing more run on the JS kernels. */
  memoryLimit?: number;
  /** How long (ms) a product waits for a worker's blocks before it throws (default 30 s). */
  workerTimeoutMs?: number;
  /** How long (µs) idle workers poll before they sleep (default 10 ms). */
  spinMicros?: number;
  /** Products below this many FLOPs stay on one thread (default `MIN_THREADED_FLOPS`). */
  minThreadedFlops?: number;
  /** Split by the tuner's timings (default true); false splits every product above the minimum. */
  tuner?: boolean;
  /** How workers are started (tests). */
  spawn?: Spawn;
  /** Support as probed (tests); default `probeWasm()`. */
  support?: WasmSupport;
  /** A line always reported in `reasons` (e.g. why this is not the shared engine). */
  note?: string;
}

/** One resident block and how many holders keep it. */
interface Lease {
  readonly wasm: WasmKernels;
  readonly offset: number;
  holders: number;
}

interface Active {
  name: EngineInfo['backend'];
  wasm?: WasmKernels;
  pool?: ThreadPool;
  /** Why the backend or the threads are less than asked for. */
  reasons: string[];
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const label = (level: SimdLevel): `wasm-${SimdLevel}` => `wasm-${level}`;

/** The wasm levels `name` tries, best first. */
function candidates(name: BackendName): SimdLevel[] {
  switch (name) {
    case 'js':
      return [];
    case 'auto':
    case 'wasm':
      return ['relaxed-simd', 'simd'];
    case 'wasm-simd':
      return ['simd'];
    case 'wasm-relaxed-simd':
      return ['relaxed-simd'];
    default:
      throw new RangeError(
        `setBackend: unknown backend ${JSON.stringify(name)}: expected one of ${NAMES.join(', ')}`,
      );
  }
}

function unsupported(level: SimdLevel): string {
  return level === 'relaxed-simd'
    ? 'wasm-relaxed-simd: this runtime does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)'
    : 'wasm-simd: this runtime has no WebAssembly SIMD';
}

function checkThreads(count: number | 'auto'): void {
  if (count === 'auto') return;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS + 1) {
    throw new RangeError(
      `setThreads: expected a whole number from 1 to ${MAX_WORKERS + 1} or 'auto', got ${String(count)}`,
    );
  }
}

/** Creates an engine (the shared one comes from `getEngine`); nothing starts until its first call. */
export function createEngine(options: EngineOptions = {}): Engine {
  return new ComputeEngine(options);
}

class ComputeEngine implements Engine {
  readonly protocol = ENGINE_PROTOCOL;
  private readonly options: EngineOptions;
  private requested: BackendName;
  private threadCount: number | 'auto';
  private active: Active | undefined;
  private memoryFallbacks = 0;
  /** The resident blocks of the current memory by byte offset. */
  private leases = new Map<number, Lease>();
  /** The lease of each holder (a holder holds one array). */
  private readonly heldBy = new WeakMap<object, Lease>();
  /** Gives a block back when a holder is collected without `release` (the backstop). */
  private readonly collected = new FinalizationRegistry<Lease>((lease) => this.drop(lease));

  constructor(options: EngineOptions) {
    this.options = options;
    this.requested = options.backend ?? 'auto';
    candidates(this.requested);
    this.threadCount = options.threads ?? 'auto';
    checkThreads(this.threadCount);
  }

  /** The runtime's core count, asked once: every product asks for it, and in Node it is a syscall. */
  private cores: number | undefined;

  private maxThreads(): number {
    if (this.threadCount !== 'auto') return this.threadCount;
    this.cores ??= coreCount();
    return Math.min(8, this.cores);
  }

  private resolve(): Active {
    this.active ??= this.select(this.requested);
    return this.active;
  }

  /** Starts the best backend `name` allows; throws only when a wasm backend was named and none starts. */
  private select(name: BackendName): Active {
    const levels = candidates(name);
    const support = this.options.support ?? probeWasm();
    const reasons: string[] = [];
    for (const level of levels) {
      const valid = level === 'simd' ? support.simd : support.relaxedSimd;
      if (!valid) {
        reasons.push(unsupported(level));
        continue;
      }
      try {
        return this.startWasm(level, support, reasons);
      } catch (e) {
        reasons.push(`${label(level)}: could not start: ${describe(e)}`);
      }
    }
    if (name !== 'auto' && name !== 'js') {
      throw new Error(`setBackend: ${name}: cannot run here: ${reasons.join('; ')}`);
    }
    return { name: 'js', reasons };
  }

  /** The wasm kernels of `level`, over a shared memory with a worker pool when threads can run. */
  private startWasm(level: SimdLevel, support: WasmSupport, reasons: string[]): Active {
    const { memoryLimit, workerTimeoutMs, spinMicros, spawn } = this.options;
    const name = label(level);
    // Compile and instantiate the single-memory variant first: it is what a failure (a CSP that
    // forbids wasm compilation) shows on, and the fallback when threads cannot run.
    const single = new WasmKernels(level, { memoryLimit });
    const sharedValid = level === 'simd' ? support.sharedSimd : support.sharedRelaxedSimd;
    const why =
      (spawn === undefined ? threadsUnavailableReason() : undefined) ??
      (sharedValid ? undefined : 'shared WebAssembly memory is unavailable');
    if (why !== undefined) {
      reasons.push(`threads: ${why}; one thread`);
      return { name, wasm: single, reasons };
    }
    try {
      const memory = WasmKernels.sharedMemory();
      const wasm = new WasmKernels(level, { memory, memoryLimit });
      const pool = new ThreadPool(kernelModule(level, true), memory, {
        spawn,
        spinMicros,
        timeoutMs: workerTimeoutMs,
      });
      wasm.attachThreads(pool, {
        threads: () => this.maxThreads(),
        minFlops: this.options.minThreadedFlops ?? MIN_THREADED_FLOPS,
        tuner: this.options.tuner === false ? undefined : new ThreadTuner(),
      });
      return { name, wasm, pool, reasons };
    } catch (e) {
      reasons.push(`threads: ${describe(e)}; one thread`);
      return { name, wasm: single, reasons };
    }
  }

  /** The wasm kernels when they should take these float32 arrays, else undefined. */
  private wasmFor(arrays: readonly (FloatArray | undefined)[]): WasmKernels | undefined {
    const wasm = this.resolve().wasm;
    if (wasm === undefined) return undefined;
    for (const a of arrays) if (a !== undefined && !(a instanceof Float32Array)) return undefined;
    return wasm;
  }

  matmul(job: GemmJob): void {
    const wasm = this.wasmFor([job.a, job.b, job.c, job.operand]);
    if (wasm !== undefined) {
      if (wasm.matmul(job as GemmJob<Float32Array>)) return;
      this.memoryFallbacks++;
    }
    jsMatmul(job);
  }

  adam(
    value: FloatArray,
    grad: FloatArray,
    m: FloatArray,
    v: FloatArray,
    vMax: FloatArray | undefined,
    c: AdamCoefficients,
  ): void {
    if (value.length >= MIN_WASM_UPDATE_LENGTH) {
      const wasm = this.wasmFor([value, grad, m, v, vMax]);
      if (wasm !== undefined) {
        const f = (x: FloatArray | undefined) => x as Float32Array;
        if (wasm.adam(f(value), f(grad), f(m), f(v), vMax === undefined ? undefined : f(vMax), c)) {
          return;
        }
        this.memoryFallbacks++;
      }
    }
    jsAdam(value, grad, m, v, vMax, c);
  }

  sgd(value: FloatArray, grad: FloatArray, lr: number): void {
    if (value.length >= MIN_WASM_UPDATE_LENGTH) {
      const wasm = this.wasmFor([value, grad]);
      if (wasm !== undefined) {
        if (wasm.sgd(value as Float32Array, grad as Float32Array, lr)) return;
        this.memoryFallbacks++;
      }
    }
    jsSgd(value, grad, lr);
  }

  bytesToFloat(src: Uint8Array, dst: Float32Array, scale: number, shift: number): void {
    if (src.length >= MIN_WASM_UPDATE_LENGTH) {
      const wasm = this.resolve().wasm;
      if (wasm !== undefined) {
        if (wasm.bytesToFloat(src, dst, scale, shift)) return;
        this.memoryFallbacks++;
      }
    }
    jsBytesToFloat(src, dst, scale, shift);
  }

  allocate(length: number, holder: object): Float32Array {
    const wasm = this.resolve().wasm;
    const array = wasm?.allocate(length);
    if (wasm === undefined || array === undefined) return new Float32Array(length);
    const lease: Lease = { wasm, offset: array.byteOffset, holders: 0 };
    this.leases.set(lease.offset, lease);
    this.attach(lease, holder);
    return array;
  }

  hold(array: Float32Array, holder: object): void {
    const wasm = this.active?.wasm;
    if (wasm === undefined || !wasm.owns(array.buffer)) return;
    const lease = this.leases.get(array.byteOffset);
    if (lease !== undefined) this.attach(lease, holder);
  }

  private attach(lease: Lease, holder: object): void {
    if (this.heldBy.get(holder) === lease) return;
    this.release(holder);
    this.heldBy.set(holder, lease);
    lease.holders++;
    this.collected.register(holder, lease, holder);
  }

  release(holder: object): void {
    const lease = this.heldBy.get(holder);
    if (lease === undefined) return;
    this.heldBy.delete(holder);
    this.collected.unregister(holder);
    this.drop(lease);
  }

  private drop(lease: Lease): void {
    if (--lease.holders > 0) return;
    lease.wasm.release(lease.offset);
    if (this.leases.get(lease.offset) === lease) this.leases.delete(lease.offset);
  }

  overlapping(a: ArrayBufferView, b: ArrayBufferView): boolean {
    if (a.byteLength === 0 || b.byteLength === 0) return false;
    const wasm = this.active?.wasm;
    const same = a.buffer === b.buffer || (wasm?.owns(a.buffer) === true && wasm.owns(b.buffer));
    return (
      same &&
      a.byteOffset < b.byteOffset + b.byteLength &&
      b.byteOffset < a.byteOffset + a.byteLength
    );
  }

  setBackend(name: BackendName): void {
    const next = this.select(name);
    this.stop();
    this.active = next;
    this.requested = name;
  }

  setThreads(count: number | 'auto'): void {
    checkThreads(count);
    this.threadCount = count;
  }

  info(): EngineInfo {
    const a = this.resolve();
    const failure = a.pool?.failure;
    const reasons = [...a.reasons];
    if (failure !== undefined) reasons.push(`threads: ${failure}; one thread`);
    if (this.options.note !== undefined) reasons.unshift(this.options.note);
    return {
      backend: a.name,
      requested: this.requested,
      threads: a.pool === undefined || failure !== undefined ? 1 : this.maxThreads(),
      workersReady: a.pool?.ready() ?? 0,
      memoryBytes: a.wasm?.memory.buffer.byteLength ?? 0,
      memoryFallbacks: this.memoryFallbacks,
      reasons,
      protocol: this.protocol,
      resident: a.wasm?.residentCapable ?? false,
      residentBytes: a.wasm?.residentUsage().bytes ?? 0,
      residentBlocks: a.wasm?.residentUsage().blocks ?? 0,
    };
  }

  /** The wasm kernels in use (tests and benchmarks read their last split). */
  get wasm(): WasmKernels | undefined {
    return this.resolve().wasm;
  }

  /** The worker pool in use, if any (tests and benchmarks). */
  get pool(): ThreadPool | undefined {
    return this.resolve().pool;
  }

  private stop(): void {
    this.active?.pool?.close();
    this.active = undefined;
    // Blocks of the old memory stay valid for their holders (views keep the memory alive); a
    // release later frees them in the old memory's books, which nothing reads any more.
    this.leases = new Map();
  }

  dispose(): void {
    this.stop();
  }
}

/** The engine's internals, for tests and benchmarks of this package (not exported from it). */
export function internals(engine: Engine): {
  wasm: WasmKernels | undefined;
  pool: ThreadPool | undefined;
} {
  if (!(engine instanceof ComputeEngine)) return { wasm: undefined, pool: undefined };
  return { wasm: engine.wasm, pool: engine.pool };
}
