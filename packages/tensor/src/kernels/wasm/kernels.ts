import { sharedMaxPages } from '../generated/wasm-binaries.js';
import type { AdamCoefficients, Block, GemmJob, Kernels } from '../kernels.js';
import type { ThreadPool } from '../threads/pool.js';
import { BLOCKS_PER_THREAD, splitWork, type ThreadPolicy } from '../threads/split.js';
import { shapeKey } from '../threads/tuner.js';
import { kernelModule, type ModuleExports, type SimdLevel } from './module.js';

const PAGE = 65536;
/** Operands start on 64-byte boundaries; every array is padded to a whole number of them. */
const ALIGN = 64;

const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

export interface WasmKernelsOptions {
  /** A shared memory (threads): the instance imports it, and workers can join. */
  memory?: WebAssembly.Memory;
  /**
   * The most bytes the linear memory may hold. A call that would need more returns false (the
   * engine runs the JS kernel instead). Default: what the runtime grants.
   */
  memoryLimit?: number;
}

/**
 * The wasm kernels (assembly/): one instance of the module with its linear memory, for float32.
 * Operands are copied into the memory (grown on demand, never shrunk), computed on there and the
 * results copied out, so callers keep ordinary typed arrays. With a thread pool attached (over a
 * shared memory), products large enough are split across its workers.
 */
export class WasmKernels implements Kernels<Float32Array> {
  readonly name: string;
  readonly level: SimdLevel;
  readonly memory: WebAssembly.Memory;
  private readonly exports: ModuleExports;
  private readonly base: number;
  private readonly workBytes: number;
  private readonly memoryLimit: number;
  private view: Float32Array;
  private threads: { pool: ThreadPool; policy: ThreadPolicy } | undefined;
  /** Threads offered to the last product (1 = it ran on the caller alone), for tests and benchmarks. */
  lastThreads = 0;
  /** Blocks the last product was split into. */
  lastBlocks = 0;
  /** Runs one block of the current product on this thread (made once: no closure per call). */
  private readonly computeBlock = (block: Block, work: number): void =>
    this.gemmBlock(this.at, block, work);
  /** The last product's plan (see `plan`). */
  private readonly planned = { threads: 1, blocks: [] as Block[], shape: 0, timed: false };
  /** The current product with byte offsets into the memory (reused across calls). */
  private readonly at: GemmJob<number> = {
    a: 0,
    b: 0,
    c: 0,
    m: 0,
    n: 0,
    k: 0,
    transA: false,
    transB: false,
    accumulate: false,
  };

  /** Compiles (once per variant) and instantiates the module; throws when the runtime refuses. */
  constructor(level: SimdLevel, options: WasmKernelsOptions = {}) {
    const { memory } = options;
    const shared = memory !== undefined;
    const instance = new WebAssembly.Instance(
      kernelModule(level, shared),
      shared ? { env: { memory } } : {},
    );
    this.level = level;
    this.name = `wasm-${level}`;
    this.exports = instance.exports as unknown as ModuleExports;
    this.memory = memory ?? (instance.exports.memory as WebAssembly.Memory);
    this.base = align(this.exports.heapBase());
    this.workBytes = align(this.exports.workBytes());
    this.memoryLimit = options.memoryLimit ?? Number.POSITIVE_INFINITY;
    this.view = new Float32Array(this.memory.buffer);
  }

  /** A shared memory for `new WasmKernels(level, { memory })` and the workers. */
  static sharedMemory(): WebAssembly.Memory {
    return new WebAssembly.Memory({ initial: 1, maximum: sharedMaxPages, shared: true });
  }

  /** Splits large products across `pool`'s workers as `policy` says (`memory` must be shared). */
  attachThreads(pool: ThreadPool, policy: ThreadPolicy): void {
    this.threads = { pool, policy };
  }

  /** Grows the memory to hold `bytes`; false when it cannot (over the limit, or refused). */
  private reserve(bytes: number): boolean {
    if (bytes > this.memoryLimit) return false;
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

  /**
   * How many threads and blocks a product gets (1 when it is small or threads do not pay), into
   * `this.planned` (reused: the hot path allocates no plan object).
   */
  private plan(job: GemmJob<Float32Array>): void {
    const { m, n, k } = job;
    const t = this.threads;
    const p = this.planned;
    const flops = 2 * m * n * k;
    let threads = 1;
    p.shape = 0;
    p.timed = false;
    if (t !== undefined && flops >= t.policy.minFlops && t.policy.threads() > 1) {
      const tuner = t.policy.tuner;
      p.timed = tuner !== undefined;
      p.shape = tuner === undefined ? 0 : shapeKey(m, n, k, job.transA, job.transB);
      if (tuner === undefined || tuner.useThreads(flops, p.shape)) {
        threads = t.pool.available(t.policy.threads());
      }
    }
    // More blocks than threads, so that the threads that are quicker (or awake) take more.
    p.blocks = splitWork(m, n, threads === 1 ? 1 : threads * BLOCKS_PER_THREAD);
    p.threads = p.blocks.length === 1 ? 1 : threads;
  }

  matmul(job: GemmJob<Float32Array>): boolean {
    const { a, b, c, m, n, k, accumulate } = job;
    if (m === 0 || n === 0) return true;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return true;
    }
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    this.plan(job);
    const { threads, blocks, shape, timed } = this.planned;
    const pool = threads > 1 ? this.threads?.pool : undefined;
    const offA = this.base;
    const offB = offA + align(sizeA * 4);
    const offC = offB + align(sizeB * 4);
    const offW = offC + align(sizeC * 4);
    if (!this.reserve(offW + (pool === undefined ? 1 : pool.slots()) * this.workBytes)) {
      return false;
    }
    const f = this.view;
    f.set(a.length === sizeA ? a : a.subarray(0, sizeA), offA / 4);
    f.set(b.length === sizeB ? b : b.subarray(0, sizeB), offB / 4);
    if (accumulate) f.set(c.length === sizeC ? c : c.subarray(0, sizeC), offC / 4);
    const at = this.at;
    at.a = offA;
    at.b = offB;
    at.c = offC;
    at.m = m;
    at.n = n;
    at.k = k;
    at.transA = job.transA;
    at.transB = job.transB;
    at.accumulate = accumulate;
    this.lastThreads = threads;
    this.lastBlocks = blocks.length;
    const compute = this.computeBlock;
    const tuner = this.threads?.policy.tuner;
    const started = timed ? performance.now() : 0;
    // Whether the workers were awake: a call that first had to wake them is a poor sample of the
    // threaded mode (see ThreadTuner.record).
    let warm = true;
    if (pool !== undefined) {
      warm = pool.warm();
      pool.run(at, blocks, threads, offW, this.workBytes, compute);
    } else {
      for (const block of blocks) compute(block, offW);
    }
    if (timed) tuner?.record(2 * m * n * k, threads > 1, performance.now() - started, shape, warm);
    c.set(f.subarray(offC / 4, offC / 4 + sizeC));
    return true;
  }

  /** The one place the module's `gemm` is called from this thread (workers: see threads/pool.ts). */
  private gemmBlock(job: GemmJob<number>, [i0, i1, j0, j1]: Block, work: number): void {
    const { a, b, c, m, n, k, transA, transB, accumulate } = job;
    this.exports.gemm(a, b, c, m, n, k, +transA, +transB, +accumulate, i0, i1, j0, j1, work);
  }

  /**
   * Copies `arrays` (one length n) into consecutive 64-byte-aligned slots, each padded so that the
   * kernels can run whole 4-lane vectors past n; returns their byte offsets, or undefined when the
   * memory cannot hold them.
   */
  private stage(arrays: readonly Float32Array[], n: number): number[] | undefined {
    const stride = align(n * 4);
    if (!this.reserve(this.base + arrays.length * stride)) return undefined;
    const f = this.view;
    return arrays.map((array, i) => {
      const at = this.base + i * stride;
      f.set(array, at / 4);
      return at;
    });
  }

  /** Copies slot `at` (n floats) back into `array`. */
  private unstage(array: Float32Array, at: number, n: number): void {
    array.set(this.view.subarray(at / 4, at / 4 + n));
  }

  adam(
    value: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    vMax: Float32Array | undefined,
    c: AdamCoefficients,
  ): boolean {
    const n = value.length;
    const arrays = vMax === undefined ? [value, grad, m, v] : [value, grad, m, v, vMax];
    const at = this.stage(arrays, n);
    if (at === undefined) return false;
    const [pv, pg, pm, ps, pmax = 0] = at as [number, number, number, number, number?];
    // 1 − β1 and 1 − β2 in float64: 1 − f32(0.999) in float32 would be off by 1e-5.
    this.exports.adam(
      pv,
      pg,
      pm,
      ps,
      pmax,
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
    this.unstage(value, pv, n);
    this.unstage(m, pm, n);
    this.unstage(v, ps, n);
    if (vMax !== undefined) this.unstage(vMax, pmax, n);
    return true;
  }

  sgd(value: Float32Array, grad: Float32Array, lr: number): boolean {
    const n = value.length;
    const at = this.stage([value, grad], n);
    if (at === undefined) return false;
    const [pv, pg] = at as [number, number];
    this.exports.sgd(pv, pg, n, lr);
    this.unstage(value, pv, n);
    return true;
  }
}
