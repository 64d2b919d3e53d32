import type { FloatArray } from '../dtype.js';
import { sharedMaxPages } from './generated/wasm-binaries.js';
import { jsMatmul } from './js-matmul.js';
import type { Kernels } from './kernels.js';
import { type GemmExports, gemmModule, type SimdLevel } from './wasm-module.js';

const PAGE = 65536;
const ALIGN = 64;

const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * Something that can run the parts of one `gemm` call on other threads (see thread-pool.ts). The
 * engine asks how many parts it may use, lays out one scratch area per part, and hands the job over.
 */
export interface GemmPool {
  /** Parts (threads, the caller's included) available right now, at most `wanted`. */
  available(wanted: number): number;
  /** Runs part p = 1..parts-1 on the workers while the caller runs part 0 itself; returns when all are done. */
  run(job: GemmJob, parts: readonly GemmPart[], runOwn: () => void): void;
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

/** The block C[i0:i1, j0:j1] one thread computes, with its own scratch at `work`. */
export interface GemmPart {
  i0: number;
  i1: number;
  j0: number;
  j1: number;
  work: number;
}

/** How a call is split across threads. */
export interface ThreadPolicy {
  /** Threads to use at most (1 = never split). */
  threads(): number;
  /** Calls with fewer floating-point operations (2·m·n·k) than this run on one thread. */
  minFlops: number;
}

/**
 * Splits C into `parts` blocks along the dimension whose split duplicates less packing work: rows
 * when m ≥ n (each part re-packs B), columns otherwise (each part re-packs A). Block edges fall on
 * multiples of the register tile (4 rows, 8 columns). Parts that would be empty are dropped.
 */
export function splitWork(
  m: number,
  n: number,
  parts: number,
): Array<[number, number, number, number]> {
  const out: Array<[number, number, number, number]> = [];
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
 * One instance of the matmul module with its linear memory. Operands are copied into the memory
 * (grown on demand, never shrunk), multiplied there and the result copied out, so callers keep
 * ordinary typed arrays. With a `pool`, the memory is a shared `WebAssembly.Memory` that the
 * workers' instances import, and large products are split across them.
 */
export class GemmEngine {
  readonly level: SimdLevel;
  readonly memory: WebAssembly.Memory;
  private readonly gemm: GemmExports;
  private readonly base: number;
  private readonly workBytes: number;
  private view: Float32Array;
  private pool: GemmPool | undefined;
  /** Parts the last call was split into (for tests and benchmarks). */
  lastParts = 0;

  constructor(level: SimdLevel, memory?: WebAssembly.Memory) {
    this.level = level;
    const shared = memory !== undefined;
    const instance = new WebAssembly.Instance(
      gemmModule(level, shared),
      shared ? { env: { memory } } : {},
    );
    this.gemm = instance.exports as unknown as GemmExports;
    this.memory = memory ?? (instance.exports.memory as WebAssembly.Memory);
    this.base = align(this.gemm.heapBase());
    this.workBytes = align(this.gemm.workBytes());
    this.view = new Float32Array(this.memory.buffer);
  }

  /** A shared memory suitable for `new GemmEngine(level, memory)` and the workers. */
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
    let wanted = 1;
    if (this.pool !== undefined && policy !== undefined && 2 * m * n * k >= policy.minFlops) {
      wanted = this.pool.available(policy.threads());
    }
    const blocks = splitWork(m, n, wanted);
    const offA = this.base;
    const offB = offA + align(sizeA * 4);
    const offC = offB + align(sizeB * 4);
    const offW = offC + align(sizeC * 4);
    if (!this.reserve(offW + blocks.length * this.workBytes)) {
      jsMatmul(a, b, c, m, n, k, transA, transB, accumulate);
      return;
    }
    const f = this.view;
    f.set(a.length === sizeA ? a : a.subarray(0, sizeA), offA / 4);
    f.set(b.length === sizeB ? b : b.subarray(0, sizeB), offB / 4);
    if (accumulate) f.set(c.length === sizeC ? c : c.subarray(0, sizeC), offC / 4);
    const job: GemmJob = { a: offA, b: offB, c: offC, m, n, k, transA, transB, accumulate };
    const parts = blocks.map(([i0, i1, j0, j1], p) => ({
      i0,
      i1,
      j0,
      j1,
      work: offW + p * this.workBytes,
    }));
    this.lastParts = parts.length;
    const own = parts[0] as GemmPart;
    const runOwn = (): void => this.runPart(job, own);
    if (parts.length > 1 && this.pool !== undefined) this.pool.run(job, parts, runOwn);
    else runOwn();
    c.set(f.subarray(offC / 4, offC / 4 + sizeC));
  }

  private runPart(job: GemmJob, part: GemmPart): void {
    this.gemm.gemm(
      job.a,
      job.b,
      job.c,
      job.m,
      job.n,
      job.k,
      job.transA ? 1 : 0,
      job.transB ? 1 : 0,
      job.accumulate ? 1 : 0,
      part.i0,
      part.i1,
      part.j0,
      part.j1,
      part.work,
    );
  }
}

/**
 * A `Kernels` backend over one `GemmEngine` (float32 only; ops use the JS kernels for float64).
 * Creating it instantiates the module; call it lazily.
 */
export function createWasmKernels(engine: GemmEngine, policy?: ThreadPolicy): Kernels {
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
  };
}
