import type { Block, GemmJob } from '../kernels.js';
import { platformSpawn, type Spawn, type WorkerData, type WorkerHandle } from './platform.js';
import type { UpdateJob } from './update-job.js';

/**
 * Worker threads that run blocks of one matmul, or ranges of one fused optimizer update, over a
 * shared `WebAssembly.Memory`.
 *
 * The caller stays synchronous: it writes the job and its blocks into a small shared control
 * block, wakes the workers with `Atomics.notify`, and then claims blocks itself like any worker
 * (an atomic counter hands out each block once). When no block is left it blocks in `Atomics.wait`
 * until the blocks other threads claimed are done. So a worker that wakes late (a busy machine)
 * finds nothing left and the call costs about what one thread would.
 *
 * Workers are created lazily (on the first call large enough to split), are `unref()`ed so they
 * never keep a Node process alive, and are used only once they report ready: calls made while they
 * start up run on the caller alone. Their code is embedded (Node: `eval`; browsers: a Blob URL), so
 * there is no worker file to serve.
 */

// Control block layout (Int32 slots).
const SEQ = 0; // job counter; idle workers wait on it
const DONE = 1; // blocks finished in the current job
const ERROR = 2; // set by a thread whose gemm threw
const STOP = 3; // set when the pool is closed
const NEXT = 4; // the claim word: tag (12 bits) | block count (10 bits) | next block (10 bits)
const MAXW = 5; // workers 1..MAXW may take part in the current job
const WORK = 6; // scratch of thread t: WORK + t·WSTRIDE
const WSTRIDE = 7;
const JOB = 8; // a, b, c, m, n, k, transA, transB, accumulate, epilogue, operand (8..18)
// An update job uses JOB..JOB+4 for its arrays: value, grad, m, v, vMax (0 = none).
const SPIN_US = 19; // microseconds an idle worker polls for the next job before it sleeps
const KIND = 20; // what the job is: KIND_GEMM, KIND_ADAM or KIND_SGD
const READY = 32; // READY + w: worker w is instantiated and waiting
const STATS = 96; // STATS + w: blocks worker w has computed (ever)
const BLOCKS = 160; // BLOCKS + 4i: i0, i1, j0, j1 of block i
/** Default of `ThreadPool`'s `spinMicros`. */
export const DEFAULT_SPIN_MICROS = 10000;
/** Workers at most (64 threads in all). */
export const MAX_WORKERS = 63;
/** Blocks one call may be split into. */
export const MAX_BLOCKS = 1023;
/** An update job's coefficients, as float64 from this Int32 slot on (an 8-byte boundary). */
const COEF = BLOCKS + 4 * MAX_BLOCKS;
/** Float64 coefficients at most (Adam's nine). */
const COEF_COUNT = 9;
const SLOTS = COEF + 2 * COEF_COUNT;
const KIND_GEMM = 0;
const KIND_ADAM = 1;
const KIND_SGD = 2;
/** Slots of the control block a worker's loop uses (for tests that write a worker of their own). */
export const CONTROL = { SEQ, NEXT, READY, STOP } as const;

/** The worker's loop, as plain script text (shared by the Node and browser wrappers). */
const WORKER_LOOP = `
function nablaGemmWorker(data) {
  var kernels = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports;
  var gemm = kernels.gemm;
  var adam = kernels.adam;
  var sgd = kernels.sgd;
  var c = new Int32Array(data.control);
  var f = new Float64Array(data.control, ${COEF * 4}, ${COEF_COUNT});
  var w = data.index;
  var seen = Atomics.load(c, ${SEQ});
  Atomics.store(c, ${READY} + w, 1);
  for (;;) {
    // Spin a little before sleeping: the next product of a training step usually comes within
    // a millisecond, and waking a sleeping thread costs more than a small product on a VM.
    var until = performance.now() + c[${SPIN_US}] / 1000;
    for (var n = 0; Atomics.load(c, ${SEQ}) === seen; n++) {
      if ((n & 255) === 0 && performance.now() > until) {
        Atomics.wait(c, ${SEQ}, seen);
        break;
      }
    }
    var seq = Atomics.load(c, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(c, ${STOP}) !== 0) return;
    if (w > Atomics.load(c, ${MAXW})) continue;
    for (;;) {
      var v = Atomics.load(c, ${NEXT});
      var i = v & 1023;
      if (i >= ((v >>> 10) & 1023)) break;
      if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) !== v) continue;
      var o = ${BLOCKS} + 4 * i;
      var kind = c[${KIND}];
      try {
        if (kind === ${KIND_GEMM}) {
          gemm(c[${JOB}], c[${JOB + 1}], c[${JOB + 2}], c[${JOB + 3}], c[${JOB + 4}], c[${JOB + 5}],
            c[${JOB + 6}], c[${JOB + 7}], c[${JOB + 8}], c[${JOB + 9}], c[${JOB + 10}],
            c[o], c[o + 1], c[o + 2], c[o + 3],
            c[${WORK}] + w * c[${WSTRIDE}]);
        } else {
          // Elements [c[o], c[o + 1]) of every array: the same kernel on a shorter range.
          var at = 4 * c[o];
          var len = c[o + 1] - c[o];
          if (kind === ${KIND_ADAM}) {
            adam(c[${JOB}] + at, c[${JOB + 1}] + at, c[${JOB + 2}] + at, c[${JOB + 3}] + at,
              c[${JOB + 4}] === 0 ? 0 : c[${JOB + 4}] + at, len,
              f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]);
          } else {
            sgd(c[${JOB}] + at, c[${JOB + 1}] + at, len, f[0]);
          }
        }
      } catch (e) {
        Atomics.store(c, ${ERROR}, 1);
      }
      Atomics.add(c, ${STATS} + w, 1);
      Atomics.add(c, ${DONE}, 1);
      Atomics.notify(c, ${DONE});
    }
  }
}
`;

/** The job's fields in the order of the control block's JOB slots (and of gemm's arguments). */
const JOB_FIELDS = [
  'a',
  'b',
  'c',
  'm',
  'n',
  'k',
  'transA',
  'transB',
  'accumulate',
  'epilogue',
  'operand',
] as const;

/** Default of `ThreadPoolOptions.timeoutMs`. */
export const DEFAULT_BLOCK_TIMEOUT_MS = 30_000;

export interface ThreadPoolOptions {
  /** How workers are started (default: this runtime's; tests pass their own). */
  spawn?: Spawn;
  /**
   * How long (µs) an idle worker keeps polling for the next job before it sleeps in
   * `Atomics.wait`, and the caller polls for the workers' blocks before it does. Waking a
   * sleeping thread takes tens to hundreds of µs on a VM (its idle virtual core must be woken
   * too), as long as a whole small product, while the products of a training step follow each
   * other within a millisecond or two. 0 sleeps at once. Default 10,000.
   */
  spinMicros?: number;
  /**
   * How long (ms) the caller waits for the blocks that workers claimed. Past it the call throws,
   * the workers are stopped and the pool runs nothing more (`failure` says why). Default 30,000.
   */
  timeoutMs?: number;
}

/**
 * The worker side of threaded matmul for one wasm instance: `module` is the shared-memory variant
 * of the instance's module and `memory` its memory.
 */
export class ThreadPool {
  private readonly control = new SharedArrayBuffer(SLOTS * 4);
  private readonly c = new Int32Array(this.control);
  /** An update job's float64 coefficients (the COEF slots). */
  private readonly coef = new Float64Array(this.control, COEF * 4, COEF_COUNT);
  private readonly handles: WorkerHandle[] = [];
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly spawn: Spawn;
  private closed = false;
  private tag = 0;
  private readonly spinMicros: number;
  private readonly timeoutMs: number;
  /** Why the pool stopped starting or using workers, if it did. */
  private failed: string | undefined;
  /** When the last threaded call returned (performance.now()), -Infinity before the first. */
  private lastRunEnd = Number.NEGATIVE_INFINITY;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    options: ThreadPoolOptions = {},
  ) {
    const s = options.spawn ?? platformSpawn({ loop: WORKER_LOOP });
    if (s === undefined) throw new Error('this runtime cannot start worker threads');
    const spinMicros = options.spinMicros ?? DEFAULT_SPIN_MICROS;
    if (!(Number.isFinite(spinMicros) && spinMicros >= 0)) {
      throw new RangeError(`ThreadPool: spinMicros must be a finite number ≥ 0, got ${spinMicros}`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_BLOCK_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new RangeError(`ThreadPool: timeoutMs must be a number > 0, got ${timeoutMs}`);
    }
    this.module = module;
    this.memory = memory;
    this.spawn = s;
    this.spinMicros = spinMicros;
    this.timeoutMs = timeoutMs;
    this.c[SPIN_US] = Math.min(2 ** 31 - 1, Math.round(spinMicros));
  }

  /** Workers started so far. */
  get size(): number {
    return this.handles.length;
  }

  /**
   * Why workers cannot be used (they could not start, one failed to start, or one did not finish
   * its block in time), or undefined while they can.
   */
  get failure(): string | undefined {
    return this.failed;
  }

  /** Starts workers up to `count` (never more than MAX_WORKERS); they become usable once ready. */
  grow(count: number): void {
    const target = Math.min(count, MAX_WORKERS);
    while (!this.closed && this.failed === undefined && this.handles.length < target) {
      const index = this.handles.length + 1;
      const data: WorkerData = {
        module: this.module,
        memory: this.memory,
        control: this.control,
        index,
      };
      try {
        this.handles.push(this.spawn(data, (reason) => this.exited(index, reason)));
      } catch (e) {
        // A runtime that has the APIs but refuses this worker (a sandbox, a Content Security
        // Policy): stay with the workers there are, possibly none, and stop trying.
        this.failed = `worker ${index} could not be started: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }

  private exited(index: number, reason: string): void {
    const wasReady = Atomics.load(this.c, READY + index) === 1;
    Atomics.store(this.c, READY + index, 0);
    if (!this.closed && this.failed === undefined) {
      this.failed = wasReady
        ? `worker ${index} stopped: ${reason}`
        : `worker ${index} could not be started: ${reason}`;
    }
  }

  /** Workers 1..r ready, counting from 1 without gaps. */
  ready(): number {
    let r = 0;
    while (r < this.handles.length && Atomics.load(this.c, READY + r + 1) === 1) r++;
    return r;
  }

  /** Threads (the caller's included) usable right now, at most `wanted`. */
  available(wanted: number): number {
    if (this.closed || wanted <= 1) return 1;
    this.grow(wanted - 1);
    return 1 + Math.min(wanted - 1, this.ready());
  }

  /** Scratch areas a threaded call must provide: one per started worker plus the caller's. */
  slots(): number {
    return this.handles.length + 1;
  }

  /**
   * Whether the workers are still polling after their last job (a call now would not have to
   * wake them), so that a call's timing stands for the threaded mode.
   */
  warm(): boolean {
    // Workers poll for spinMicros after their last job; leave a margin for the ones that
    // finished it a little before the caller did.
    return performance.now() - this.lastRunEnd < (this.spinMicros / 1000) * 0.8;
  }

  /** Blocks worker w (1-based) has computed since it started. */
  blocksDoneBy(w: number): number {
    return Atomics.load(this.c, STATS + w);
  }

  /** Resolves once `count` workers are ready (for tests and benchmarks that want threads at once). */
  async whenReady(count: number, timeoutMs = 10_000): Promise<void> {
    this.grow(count);
    const deadline = Date.now() + timeoutMs;
    while (this.ready() < Math.min(count, MAX_WORKERS)) {
      if (this.failed !== undefined) throw new Error(`ThreadPool: ${this.failed}`);
      if (Date.now() > deadline) {
        throw new Error(`ThreadPool: ${count} workers not ready after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /**
   * Computes all `blocks` of `job` (byte offsets into the shared memory) with up to `threads`
   * threads; thread t uses the scratch at `work + t·workStride`. Blocks are claimed dynamically:
   * the caller and every woken worker take the next unclaimed block until none is left.
   * `compute(block, work)` runs a block on the calling thread. Returns when every block is done;
   * throws when a thread failed, or when the workers did not finish within the timeout.
   */
  run(
    job: GemmJob<number>,
    blocks: readonly Block[],
    threads: number,
    work: number,
    workStride: number,
    compute: (block: Block, work: number) => void,
  ): void {
    const c = this.open(blocks);
    for (let i = 0; i < JOB_FIELDS.length; i++)
      c[JOB + i] = Number(job[JOB_FIELDS[i] as keyof GemmJob<number>]);
    c[KIND] = KIND_GEMM;
    c[WORK] = work;
    c[WSTRIDE] = workStride;
    this.execute(blocks, threads, compute, work, 'matmul');
  }

  /**
   * Runs one fused optimizer update over element ranges: block [j0, j1, ·, ·] is elements j0..j1
   * of every array (j0 a multiple of 4; the arrays padded as the kernel needs). `compute(block)`
   * runs a range on the calling thread. Same claiming, waiting and errors as `run`.
   */
  runUpdate(
    job: UpdateJob,
    blocks: readonly Block[],
    threads: number,
    compute: (block: Block, work: number) => void,
  ): void {
    const c = this.open(blocks);
    const { arrays, coefficients } = job;
    if (arrays.length > 5 || coefficients.length > COEF_COUNT) {
      throw new RangeError(
        `ThreadPool: an update takes at most 5 arrays and ${COEF_COUNT} coefficients, got ${arrays.length} and ${coefficients.length}`,
      );
    }
    for (let i = 0; i < 5; i++) c[JOB + i] = arrays[i] ?? 0;
    for (let i = 0; i < coefficients.length; i++) this.coef[i] = coefficients[i] as number;
    c[KIND] = job.kind === 'adam' ? KIND_ADAM : KIND_SGD;
    this.execute(blocks, threads, compute, 0, `${job.kind} update`);
  }

  /** Closes the claim word and writes the blocks of a new job (its fields come next). */
  private open(blocks: readonly Block[]): Int32Array {
    if (blocks.length > MAX_BLOCKS) {
      throw new RangeError(`ThreadPool: ${blocks.length} blocks, at most ${MAX_BLOCKS}`);
    }
    if (this.closed) throw new Error('ThreadPool: the pool is closed');
    const c = this.c;
    // Close the claim word first, so that no late worker claims a block of a half-written job.
    this.tag = (this.tag + 1) & 4095;
    Atomics.store(c, NEXT, 0);
    blocks.forEach(([i0, i1, j0, j1], i) => {
      const o = BLOCKS + 4 * i;
      c[o] = i0;
      c[o + 1] = i1;
      c[o + 2] = j0;
      c[o + 3] = j1;
    });
    return c;
  }

  /** Opens the written job to the threads, takes blocks itself, then waits for the others'. */
  private execute(
    blocks: readonly Block[],
    threads: number,
    compute: (block: Block, work: number) => void,
    work: number,
    what: string,
  ): void {
    const c = this.c;
    Atomics.store(c, MAXW, threads - 1);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    // Open: tag | count | 0. Atomics are sequentially consistent, so a thread whose claim succeeds
    // sees everything written above.
    Atomics.store(c, NEXT, (this.tag << 20) | (blocks.length << 10));
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    let ownError: unknown;
    for (;;) {
      const v = Atomics.load(c, NEXT);
      const i = v & 1023;
      if (i >= ((v >>> 10) & 1023)) break;
      if (Atomics.compareExchange(c, NEXT, v, v + 1) !== v) continue;
      try {
        if (ownError === undefined) compute(blocks[i] as Block, work);
      } catch (e) {
        ownError = e;
      }
      Atomics.add(c, DONE, 1);
    }
    // Wait for the blocks other threads claimed (they write into the memory the caller reads).
    const count = blocks.length;
    let done = Atomics.load(c, DONE);
    const started = performance.now();
    const until = started + this.spinMicros / 1000;
    for (let n = 0; done < count; n++) {
      if ((n & 255) === 0 && performance.now() > until) break;
      done = Atomics.load(c, DONE);
    }
    while (done < count) {
      if (performance.now() - started > this.timeoutMs) {
        const missing = count - done;
        this.failed = `a worker did not finish its part of the ${what} within ${this.timeoutMs} ms; threads were stopped`;
        this.close();
        throw new Error(
          `${what}: ${missing} of ${count} blocks were not finished by the worker threads within ${this.timeoutMs} ms; the threads were stopped and later calls run on one thread`,
        );
      }
      Atomics.wait(c, DONE, done, 50);
      done = Atomics.load(c, DONE);
    }
    this.lastRunEnd = performance.now();
    if (ownError !== undefined) throw ownError;
    if (Atomics.load(c, ERROR) !== 0) throw new Error(`${what}: a worker thread failed in it`);
  }

  /** Stops the workers (they are unref'ed in Node, so this is only needed to free them early). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.c, STOP, 1);
    Atomics.add(this.c, SEQ, 1);
    Atomics.notify(this.c, SEQ);
    for (const h of this.handles) h.stop();
  }

  /** Whether `close` was called (or the pool closed itself after a timeout). */
  get isClosed(): boolean {
    return this.closed;
  }
}
