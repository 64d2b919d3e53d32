import type { FloatArray } from '../dtype.js';
import { sharedMaxPages } from './generated/wasm-binaries.js';
import { jsAdam } from './js-adam.js';
import { jsMatmul } from './js-matmul.js';
import { jsSgd } from './js-sgd.js';
import type { AdamCoefficients, Kernels } from './kernels.js';
import { shapeKey, type ThreadTuner } from './thread-tuner.js';
import { kernelModule, type ModuleExports, type SimdLevel } from './wasm-module.js';

const PAGE = 65536;
const ALIGN = 64;

/** Blocks per thread when a call is split (dynamic claiming evens out uneven thread speed). */
const BLOCKS_PER_THREAD = 2;

const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * Something that can run the blocks of one `gemm` call on other threads too (see thread-pool.ts).
 * Blocks are claimed dynamically: the caller and every woken worker take the next unclaimed block
 * until none is left, so a worker that is slow to wake (a busy machine) costs nothing but its share.
 */
export interface GemmPool {
  /** Threads (the caller's included) usable right now, at most `wanted`. */
  available(wanted: number): number;
  /** Scratch areas a threaded call must provide (every started worker may take part). */
  slots(): number;
  /**
   * Whether the workers are still polling after their last job (a call now would not have to
   * wake them), so that a call's timing stands for the threaded mode.
   */
  warm(): boolean;
  /**
   * Computes all `blocks` with up to `threads` threads; thread t uses the scratch at
   * `work + t·workStride`. `compute(block, work)` runs a block on the calling thread. Returns when
   * every block is done.
   */
  run(
    job: GemmJob,
    blocks: readonly Block[],
    threads: number,
    work: number,
    workStride: number,
    compute: (block: Block, work: number) => void,
  ): void;
}

/** The operands of one call, as byte offsets into the shared memory. */
export interface GemmJob {
  a: number;
  b: number;
  c: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

/** A block C[i0:i1, j0:j1] of the result: [i0, i1, j0, j1]. */
export type Block = [number, number, number, number];

/** How a call is split across threads. */
export interface ThreadPolicy {
  /** Threads to use at most (1 = never split). */
  threads(): number;
  /** Calls with fewer floating-point operations (2·m·n·k) than this run on one thread. */
  minFlops: number;
  /** When set, larger calls use threads only while the timings say that it pays. */
  tuner?: ThreadTuner;
}

/**
 * Splits C into `parts` blocks along the dimension whose split duplicates less packing work: rows
 * when m ≥ n (each part re-packs B), columns otherwise (each part re-packs A). Block edges fall on
 * multiples of the register tile (4 rows, 8 columns). Parts that would be empty are dropped.
 */
export function splitWork(m: number, n: number, parts: number): Block[] {
  const out: Block[] = [];
  const byRows = m >= n;
  const len = byRows ? m : n;
  const unit = byRows ? 4 : 8;
  const units = Math.ceil(len / unit);
  const count = Math.max(1, Math.min(parts, units));
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = Math.min(len, Math.round(((p + 1) * units) / count) * unit);
    if (end > start) out.push(byRows ? [start, end, 0, n] : [0, m, start, end]);
    start = end;
  }
  return out;
}

/**
 * One instance of the kernel module (matmul and the fused Adam step) with its linear memory.
 * Operands are copied into the memory (grown on demand, never shrunk), computed on there and the
 * results copied out, so callers keep ordinary typed arrays. With a `pool`, the memory is a shared `WebAssembly.Memory` that the
 * workers' instances import, and large products are split across them.
 */
export class WasmEngine {
  readonly level: SimdLevel;
  readonly memory: WebAssembly.Memory;
  private readonly exports: ModuleExports;
  private readonly base: number;
  private readonly workBytes: number;
  private view: Float32Array;
  private pool: GemmPool | undefined;
  /** Threads offered to the last call (1 = it ran on the caller alone), for tests and benchmarks. */
  lastThreads = 0;
  /** Blocks the last call was split into. */
  lastBlocks = 0;

  constructor(level: SimdLevel, memory?: WebAssembly.Memory) {
    this.level = level;
    const shared = memory !== undefined;
    const instance = new WebAssembly.Instance(
      kernelModule(level, shared),
      shared ? { env: { memory } } : {},
    );
    this.exports = instance.exports as unknown as ModuleExports;
    this.memory = memory ?? (instance.exports.memory as WebAssembly.Memory);
    this.base = align(this.exports.heapBase());
    this.workBytes = align(this.exports.workBytes());
    this.view = new Float32Array(this.memory.buffer);
  }

  /** A shared memory suitable for `new WasmEngine(level, memory)` and the workers. */
  static sharedMemory(): WebAssembly.Memory {
    return new WebAssembly.Memory({ initial: 1, maximum: sharedMaxPages, shared: true });
  }

  attachPool(pool: GemmPool): void {
    this.pool = pool;
  }

  /** Grows the memory to hold `bytes`; false when it cannot (the caller falls back to JS). */
  private reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      try {
        this.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return false;
      }
    }
    if (this.view.buffer !== this.memory.buffer || this.view.length * 4 < bytes) {
      this.view = new Float32Array(this.memory.buffer);
    }
    return true;
  }

  matmul(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
    policy?: ThreadPolicy,
  ): void {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    const flops = 2 * m * n * k;
    const eligible =
      this.pool !== undefined &&
      policy !== undefined &&
      flops >= policy.minFlops &&
      policy.threads() > 1;
    const tuner = eligible ? policy?.tuner : undefined;
    const shape = tuner === undefined ? 0 : shapeKey(m, n, k, transA, transB);
    let threads = 1;
    if (
      eligible &&
      this.pool !== undefined &&
      (tuner === undefined || tuner.useThreads(flops, shape))
    ) {
      threads = this.pool.available(policy?.threads() ?? 1);
    }
    // More blocks than threads, so that the threads that are quicker (or awake) take more.
    const blocks = splitWork(m, n, threads === 1 ? 1 : threads * BLOCKS_PER_THREAD);
    if (blocks.length === 1) threads = 1;
    const offA = this.base;
    const offB = offA + align(sizeA * 4);
    const offC = offB + align(sizeB * 4);
    const offW = offC + align(sizeC * 4);
    const slots = threads > 1 && this.pool !== undefined ? this.pool.slots() : 1;
    if (!this.reserve(offW + slots * this.workBytes)) {
      jsMatmul(a, b, c, m, n, k, transA, transB, accumulate);
      return;
    }
    const f = this.view;
    f.set(a.length === sizeA ? a : a.subarray(0, sizeA), offA / 4);
    f.set(b.length === sizeB ? b : b.subarray(0, sizeB), offB / 4);
    if (accumulate) f.set(c.length === sizeC ? c : c.subarray(0, sizeC), offC / 4);
    const job: GemmJob = { a: offA, b: offB, c: offC, m, n, k, transA, transB, accumulate };
    this.lastThreads = threads;
    this.lastBlocks = blocks.length;
    const compute = (block: Block, work: number): void => this.runBlock(job, block, work);
    const started = tuner === undefined ? 0 : performance.now();
    // Whether the workers were awake: a call that first had to wake them is a poor sample of the
    // threaded mode (see ThreadTuner.record).
    let warm = true;
    if (threads > 1 && this.pool !== undefined) {
      warm = this.pool.warm();
      this.pool.run(job, blocks, threads, offW, this.workBytes, compute);
    } else {
      for (const block of blocks) compute(block, offW);
    }
    tuner?.record(flops, threads > 1, performance.now() - started, shape, warm);
    c.set(f.subarray(offC / 4, offC / 4 + sizeC));
  }

  /** One fused Adam step (assembly/adam.ts) over copies of the arrays in linear memory. */
  adam(
    value: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vMax: Float32Array | undefined,
    c: AdamCoefficients,
  ): boolean {
    const n = value.length;
    const stride = align(n * 4);
    const count = vMax === undefined ? 4 : 5;
    if (!this.reserve(this.base + count * stride)) return false;
    const f = this.view;
    const at = (i: number): number => this.base + i * stride;
    const arrays = vMax === undefined ? [value, grad, m, v] : [value, grad, m, v, vMax];
    for (let i = 0; i < arrays.length; i++) f.set(arrays[i] as Float32Array, at(i) / 4);
    this.exports.adam(
      at(0),
      at(1),
      at(2),
      at(3),
      vMax === undefined ? 0 : at(4),
      n,
      c.stepSize,
      c.beta1,
      c.beta2,
      1 - c.beta1,
      1 - c.beta2,
      c.bc2Sqrt,
      c.eps,
      c.l2,
      c.shrink,
    );
    for (const i of vMax === undefined ? [0, 2, 3] : [0, 2, 3, 4]) {
      (arrays[i] as Float32Array).set(f.subarray(at(i) / 4, at(i) / 4 + n));
    }
    return true;
  }

  /** One plain SGD step (assembly/sgd.ts) over copies of the arrays in linear memory. */
  sgd(value: Float32Array, grad: Float32Array, lr: number): boolean {
    const n = value.length;
    const stride = align(n * 4);
    if (!this.reserve(this.base + 2 * stride)) return false;
    const f = this.view;
    const at = this.base / 4;
    f.set(value, at);
    f.set(grad, at + stride / 4);
    this.exports.sgd(this.base, this.base + stride, n, lr);
    value.set(f.subarray(at, at + n));
    return true;
  }

  private runBlock(job: GemmJob, [i0, i1, j0, j1]: Block, work: number): void {
    this.exports.gemm(
      job.a,
      job.b,
      job.c,
      job.m,
      job.n,
      job.k,
      job.transA ? 1 : 0,
      job.transB ? 1 : 0,
      job.accumulate ? 1 : 0,
      i0,
      i1,
      j0,
      j1,
      work,
    );
  }
}

/**
 * A `Kernels` backend over one `WasmEngine` (float32 only; ops use the JS kernels for float64).
 * Creating it instantiates the module; call it lazily.
 */
export function createWasmKernels(engine: WasmEngine, policy?: ThreadPolicy): Kernels {
  return {
    name: `wasm-${engine.level}`,
    supports: (array: FloatArray): boolean => array instanceof Float32Array,
    matmul(a, b, c, m, n, k, transA, transB, accumulate) {
      if (!(a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array)) {
        jsMatmul(a, b, c, m, n, k, transA, transB, accumulate);
        return;
      }
      engine.matmul(a, b, c, m, n, k, transA, transB, accumulate, policy);
    },
    adam(value, grad, m, v, vMax, c) {
      if (!engine.adam(value, grad, m, v, vMax, c)) jsAdam(value, grad, m, v, vMax, c);
    },
    sgd(value, grad, lr) {
      if (!engine.sgd(value, grad, lr)) jsSgd(value, grad, lr);
    },
  };
}
