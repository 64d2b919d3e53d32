import { sharedMaxPages } from '../generated/wasm-binaries.js';
import { jsEpilogue } from '../js/epilogue.js';
import {
  type AdamCoefficients,
  type Block,
  EPILOGUE,
  type GemmJob,
  type Kernels,
} from '../kernels.js';
import type { ThreadPool } from '../threads/pool.js';
import { BLOCKS_PER_THREAD, splitWork, type ThreadPolicy } from '../threads/split.js';
import { shapeKey } from '../threads/tuner.js';
import { MIN_THREADED_UPDATE, splitRange } from '../threads/update-job.js';
import { kernelModule, type ModuleExports, type SimdLevel } from './module.js';
import { ResidentHeap } from './resident-heap.js';

const PAGE = 65536;
/** Operands start on 64-byte boundaries; every array is padded to a whole number of them. */
const ALIGN = 64;
/** Bytes a conversion copies into the memory at a time. */
const CONVERT_CHUNK = 1 << 20;
/** Ranges per thread when an update is split (dynamic claiming evens out uneven thread speed). */
const RANGES_PER_THREAD = 4;

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
 *
 * Over a shared memory, arrays can also live in the memory itself (`allocate`: "resident"
 * arrays, views of the memory that stay valid when it grows). A kernel reads and writes a
 * resident operand where it is, with no copy; the scratch space for copied operands starts above
 * the highest resident block.
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
  /** The memory as bytes (renewed with `view` when the memory grows). */
  private bytes: Uint8Array;
  /** The resident blocks (shared memories only: growing any other memory detaches its views). */
  private readonly heap: ResidentHeap | undefined;
  /** Every buffer object the memory has had (a grown shared memory hands out a new one). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private threads: { pool: ThreadPool; policy: ThreadPolicy } | undefined;
  /** Threads offered to the last product (1 = it ran on the caller alone), for tests and benchmarks. */
  lastThreads = 0;
  /** Blocks the last product was split into. */
  lastBlocks = 0;
  /** Threads offered to the last optimizer update (Adam or SGD), for tests and benchmarks. */
  lastUpdateThreads = 0;
  /** Runs one block of the current product on this thread (made once: no closure per call). */
  private readonly computeBlock = (block: Block, work: number): void =>
    this.gemmBlock(this.at, block, work);
  /** The last product's plan (see `plan`). */
  private readonly planned = { threads: 1, blocks: [] as Block[], shape: 0, timed: false };
  /** The byte offsets of the last `stage` call, and which of them are copies. */
  private readonly offsets: number[] = [];
  /** The arrays of the current update call (reused: no array per call). */
  private readonly updateArrays: Float32Array[] = [];
  private readonly copied: boolean[] = [];
  /** The current update with byte offsets (reused across calls): what `runUpdate` splits. */
  private readonly update = {
    kind: 'adam' as 'adam' | 'sgd',
    arrays: [0, 0, 0, 0, 0],
    coefficients: [0, 0, 0, 0, 0, 0, 0, 0, 0],
  };
  /** Split ranges by length and thread count (an optimizer updates the same lengths every step). */
  private readonly ranges = new Map<number, Block[]>();
  /** Runs one range of the current update on this thread (made once: no closure per call). */
  private readonly computeRange = ([j0, j1]: Block): void => this.updateSpan(j0, j1);
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
    epilogue: 0,
    operand: 0,
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
    this.bytes = new Uint8Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
    this.heap = shared ? new ResidentHeap(this.base) : undefined;
  }

  /** Whether `allocate` can hand out resident arrays (a shared memory). */
  get residentCapable(): boolean {
    return this.heap !== undefined;
  }

  /** Bytes and blocks held by resident arrays. */
  residentUsage(): { bytes: number; blocks: number } {
    return { bytes: this.heap?.usedBytes ?? 0, blocks: this.heap?.blocks ?? 0 };
  }

  /** Whether `buffer` is (a generation of) this memory's buffer. */
  owns(buffer: ArrayBufferLike): boolean {
    return this.buffers.has(buffer);
  }

  /** The byte offset of `array` in this memory, or -1 when it is not a view of it. */
  residentAt(array: Float32Array): number {
    return this.buffers.has(array.buffer) ? array.byteOffset : -1;
  }

  /**
   * A zeroed array of `length` floats resident in the memory (64-byte aligned, its block padded
   * to 64 bytes), or undefined when the memory is not shared or cannot grow that far. Give it back
   * with `release(array)`.
   */
  allocate(length: number): Float32Array | undefined {
    const heap = this.heap;
    if (heap === undefined) return undefined;
    const offset = heap.allocate(length * 4, this.memoryLimit);
    if (offset === undefined) return undefined;
    if (!this.reserve(heap.top)) {
      heap.release(offset);
      return undefined;
    }
    const array = new Float32Array(this.memory.buffer, offset, length);
    array.fill(0);
    return array;
  }

  /** Frees the resident block that starts at byte `offset`; false when there is none. */
  release(offset: number): boolean {
    return this.heap?.release(offset) ?? false;
  }

  /** Where the scratch space for copied operands starts (above every resident block). */
  private scratch(): number {
    return this.heap?.top ?? this.base;
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
      this.bytes = new Uint8Array(this.memory.buffer);
      this.buffers.add(this.memory.buffer);
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
      if (job.epilogue && job.operand !== undefined) jsEpilogue(c, m, n, job.epilogue, job.operand);
      return true;
    }
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    this.plan(job);
    const { threads, blocks, shape, timed } = this.planned;
    const pool = threads > 1 ? this.threads?.pool : undefined;
    // Resident operands are used where they are; the others are copied above the resident blocks.
    const ra = this.residentAt(a);
    const rb = this.residentAt(b);
    let rc = this.residentAt(c);
    if (rc >= 0 && (overlap(rc, sizeC, ra, sizeA) || overlap(rc, sizeC, rb, sizeB))) rc = -1;
    let top = this.scratch();
    const offA = ra >= 0 ? ra : top;
    if (ra < 0) top += align(sizeA * 4);
    const offB = rb >= 0 ? rb : top;
    if (rb < 0) top += align(sizeB * 4);
    const offC = rc >= 0 ? rc : top;
    if (rc < 0) top += align(sizeC * 4);
    // The epilogue's operand: a bias row (n) or a mask shaped like C (m×n).
    const epilogue = job.operand === undefined ? 0 : (job.epilogue ?? 0);
    const operand = job.operand as Float32Array;
    const sizeE = epilogue === EPILOGUE.reluMask ? sizeC : n;
    const re = epilogue === 0 ? -1 : this.residentAt(operand);
    const offE = epilogue === 0 ? 0 : re >= 0 ? re : top;
    if (epilogue !== 0 && re < 0) top += align(sizeE * 4);
    const offW = top;
    if (!this.reserve(offW + (pool === undefined ? 1 : pool.slots()) * this.workBytes)) {
      return false;
    }
    const f = this.view;
    if (ra < 0) f.set(a.length === sizeA ? a : a.subarray(0, sizeA), offA / 4);
    if (rb < 0) f.set(b.length === sizeB ? b : b.subarray(0, sizeB), offB / 4);
    if (accumulate && rc < 0) f.set(c.length === sizeC ? c : c.subarray(0, sizeC), offC / 4);
    if (epilogue !== 0 && re < 0) {
      f.set(operand.length === sizeE ? operand : operand.subarray(0, sizeE), offE / 4);
    }
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
    at.epilogue = epilogue;
    at.operand = offE;
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
    if (rc < 0) c.set(f.subarray(offC / 4, offC / 4 + sizeC));
    return true;
  }

  /** The one place the module's `gemm` is called from this thread (workers: see threads/pool.ts). */
  private gemmBlock(job: GemmJob<number>, [i0, i1, j0, j1]: Block, work: number): void {
    const { a, b, c, m, n, k, transA, transB, accumulate, epilogue = 0, operand = 0 } = job;
    this.exports.gemm(
      a,
      b,
      c,
      m,
      n,
      k,
      +transA,
      +transB,
      +accumulate,
      epilogue,
      operand,
      i0,
      i1,
      j0,
      j1,
      work,
    );
  }

  /**
   * The byte offsets of `arrays` (one length n) for an update kernel, which runs whole 4-lane
   * vectors past n: a resident array whose block has room for that is used where it is; the
   * others are copied into consecutive 64-byte-aligned scratch slots (into `this.offsets`, reused).
   * False when the memory cannot hold the copies.
   */
  private stage(arrays: readonly Float32Array[], n: number): boolean {
    const stride = align(n * 4);
    const padded = Math.ceil(n / 4) * 16;
    const offsets = this.offsets;
    offsets.length = arrays.length;
    let top = this.scratch();
    for (let i = 0; i < arrays.length; i++) {
      const at = this.residentAt(arrays[i] as Float32Array);
      const inPlace = at >= 0 && (this.heap?.sizeAt(at) ?? 0) >= padded;
      offsets[i] = inPlace ? at : top;
      this.copied[i] = !inPlace;
      if (!inPlace) top += stride;
    }
    if (!this.reserve(top)) return false;
    const f = this.view;
    for (let i = 0; i < arrays.length; i++) {
      if (this.copied[i]) f.set(arrays[i] as Float32Array, (offsets[i] as number) / 4);
    }
    return true;
  }

  /** Copies the staged slot of `arrays[i]` (n floats) back into it, unless it is resident. */
  private unstage(array: Float32Array, i: number, n: number): void {
    if (!this.copied[i]) return;
    const at = this.offsets[i] as number;
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
    const arrays = this.updateArrays;
    arrays.length = 0;
    arrays.push(value, grad, m, v);
    if (vMax !== undefined) arrays.push(vMax);
    if (!this.stage(arrays, n)) return false;
    const at = this.offsets;
    const u = this.update;
    u.kind = 'adam';
    for (let i = 0; i < 4; i++) u.arrays[i] = at[i] as number;
    u.arrays[4] = vMax === undefined ? 0 : (at[4] as number);
    const f = u.coefficients;
    f[0] = c.stepSize;
    f[1] = c.beta1;
    f[2] = c.beta2;
    // 1 − β1 and 1 − β2 in float64: 1 − f32(0.999) in float32 would be off by 1e-5.
    f[3] = 1 - c.beta1;
    f[4] = 1 - c.beta2;
    f[5] = c.bc2Sqrt;
    f[6] = c.eps;
    f[7] = c.l2;
    f[8] = c.shrink;
    this.runUpdate(n);
    this.unstage(value, 0, n);
    this.unstage(m, 2, n);
    this.unstage(v, 3, n);
    if (vMax !== undefined) this.unstage(vMax, 4, n);
    arrays.length = 0;
    return true;
  }

  sgd(value: Float32Array, grad: Float32Array, lr: number): boolean {
    const n = value.length;
    const arrays = this.updateArrays;
    arrays.length = 0;
    arrays.push(value, grad);
    const staged = this.stage(arrays, n);
    arrays.length = 0;
    if (!staged) return false;
    const u = this.update;
    u.kind = 'sgd';
    u.arrays[0] = this.offsets[0] as number;
    u.arrays[1] = this.offsets[1] as number;
    u.arrays[2] = u.arrays[3] = u.arrays[4] = 0;
    u.coefficients[0] = lr;
    this.runUpdate(n);
    this.unstage(value, 0, n);
    return true;
  }

  /**
   * dst[i] = f32(src[i]·scale + shift) (float64 arithmetic, one rounding) on the SIMD kernel. The
   * bytes are copied into the scratch space a chunk at a time (so a long conversion does not grow
   * the memory by its whole size); a resident `dst` is written where it is, another one through the
   * scratch. False when the memory cannot hold a chunk.
   */
  bytesToFloat(src: Uint8Array, dst: Float32Array, scale: number, shift: number): boolean {
    const total = src.length;
    const rd = this.residentAt(dst);
    const chunk = Math.min(total, CONVERT_CHUNK);
    const offSrc = this.scratch();
    const offDst = offSrc + align(chunk);
    if (!this.reserve(offDst + (rd < 0 ? align(chunk * 4) : 0))) return false;
    for (let at = 0; at < total; at += chunk) {
      const n = Math.min(chunk, total - at);
      this.bytes.set(n === total ? src : src.subarray(at, at + n), offSrc);
      if (rd >= 0) {
        this.exports.bytesToFloat(offSrc, rd + 4 * at, n, scale, shift);
      } else {
        this.exports.bytesToFloat(offSrc, offDst, n, scale, shift);
        dst.set(this.view.subarray(offDst / 4, offDst / 4 + n), at);
      }
    }
    return true;
  }

  /**
   * Runs the staged update (`this.update`) over n elements: split across the pool's threads when
   * it is long enough and workers are available, else on this thread. Element-wise, so every
   * split gives the same bits.
   */
  private runUpdate(n: number): void {
    const t = this.threads;
    let threads = 1;
    if (t !== undefined && n >= MIN_THREADED_UPDATE && t.policy.threads() > 1) {
      threads = t.pool.available(t.policy.threads());
    }
    this.lastUpdateThreads = threads;
    if (t === undefined || threads === 1) {
      this.updateSpan(0, n);
      return;
    }
    const key = n * 64 + threads;
    let blocks = this.ranges.get(key);
    if (blocks === undefined) {
      blocks = splitRange(n, threads * RANGES_PER_THREAD);
      if (this.ranges.size > 64) this.ranges.clear();
      this.ranges.set(key, blocks);
    }
    t.pool.runUpdate(this.update, blocks, threads, this.computeRange);
  }

  /** Elements j0..j1 of the current update, on this thread. */
  private updateSpan(j0: number, j1: number): void {
    const { kind, arrays: a, coefficients: f } = this.update;
    const o = 4 * j0;
    if (kind === 'sgd') {
      this.exports.sgd((a[0] as number) + o, (a[1] as number) + o, j1 - j0, f[0] as number);
      return;
    }
    const vMax = a[4] as number;
    this.exports.adam(
      (a[0] as number) + o,
      (a[1] as number) + o,
      (a[2] as number) + o,
      (a[3] as number) + o,
      vMax === 0 ? 0 : vMax + o,
      j1 - j0,
      f[0] as number,
      f[1] as number,
      f[2] as number,
      f[3] as number,
      f[4] as number,
      f[5] as number,
      f[6] as number,
      f[7] as number,
      f[8] as number,
    );
  }
}

/** Whether the float ranges [x, x + nx) and [y, y + ny) (byte offsets, -1 = none) overlap. */
function overlap(x: number, nx: number, y: number, ny: number): boolean {
  return y >= 0 && x < y + ny * 4 && y < x + nx * 4;
}
