import type { Block, GemmJob, GemmPool } from './wasm.js';

/**
 * Worker threads that run blocks of one matmul over a shared `WebAssembly.Memory`.
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
const JOB = 8; // a, b, c, m, n, k, transA, transB, accumulate
const SPIN_US = 17; // microseconds an idle worker polls for the next job before it sleeps
const READY = 32; // READY + w: worker w is instantiated and waiting
const STATS = 96; // STATS + w: blocks worker w has computed (ever)
const BLOCKS = 160; // BLOCKS + 4i: i0, i1, j0, j1 of block i
/** Default of `ThreadPool`'s `spinMicros`. */
export const DEFAULT_SPIN_MICROS = 10000;
/** Workers at most (64 threads in all). */
export const MAX_WORKERS = 63;
/** Blocks one call may be split into. */
export const MAX_BLOCKS = 1023;
const SLOTS = BLOCKS + 4 * MAX_BLOCKS;

/** The worker's loop, as plain script text (shared by the Node and browser wrappers). */
const WORKER_LOOP = `
function nablaGemmWorker(data) {
  var gemm = new WebAssembly.Instance(data.module, { env: { memory: data.memory } }).exports.gemm;
  var c = new Int32Array(data.control);
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
      try {
        gemm(c[${JOB}], c[${JOB + 1}], c[${JOB + 2}], c[${JOB + 3}], c[${JOB + 4}], c[${JOB + 5}],
          c[${JOB + 6}], c[${JOB + 7}], c[${JOB + 8}], c[o], c[o + 1], c[o + 2], c[o + 3],
          c[${WORK}] + w * c[${WSTRIDE}]);
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

const NODE_WORKER = `${WORKER_LOOP}
nablaGemmWorker(require('node:worker_threads').workerData);
`;

const BROWSER_WORKER = `${WORKER_LOOP}
self.onmessage = function (e) { self.onmessage = null; nablaGemmWorker(e.data); };
`;

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
}

/** A started worker, whatever the platform. */
interface Handle {
  stop(): void;
}

type Spawn = (data: WorkerData, onExit: () => void) => Handle;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'exit' | 'error', listener: () => void): void;
}
type NodeWorkerClass = new (
  code: string,
  options: { eval: true; workerData: WorkerData; name?: string },
) => NodeWorker;

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
}

function nodeBuiltin(id: string): unknown {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule(id) : undefined;
}

function nodeSpawn(): Spawn | undefined {
  const mod = nodeBuiltin('node:worker_threads') as { Worker?: NodeWorkerClass } | undefined;
  const NodeWorkerCtor = mod?.Worker;
  if (typeof NodeWorkerCtor !== 'function') return undefined;
  return (data, onExit) => {
    const worker = new NodeWorkerCtor(NODE_WORKER, {
      eval: true,
      workerData: data,
      name: `nabla-gemm-${data.index}`,
    });
    worker.unref();
    worker.on('exit', onExit);
    worker.on('error', onExit);
    return { stop: () => void worker.terminate() };
  };
}

interface BrowserScope {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  Worker?: new (
    url: string,
  ) => {
    postMessage(data: WorkerData): void;
    terminate(): void;
    onerror: (() => void) | null;
  };
  Blob?: typeof Blob;
  URL?: typeof URL;
}

/**
 * Browsers: only inside a worker of a cross-origin-isolated page (shared memory needs the
 * isolation, and the main thread of a page may not block in `Atomics.wait`).
 */
function browserSpawn(): Spawn | undefined {
  const g = globalThis as BrowserScope;
  const BrowserWorker = g.Worker;
  if (
    g.crossOriginIsolated !== true ||
    g.WorkerGlobalScope === undefined ||
    typeof BrowserWorker !== 'function' ||
    g.Blob === undefined ||
    g.URL === undefined
  ) {
    return undefined;
  }
  const url = g.URL.createObjectURL(new g.Blob([BROWSER_WORKER], { type: 'text/javascript' }));
  return (data, onExit) => {
    const worker = new BrowserWorker(url);
    worker.onerror = onExit;
    worker.postMessage(data);
    return { stop: () => worker.terminate() };
  };
}

let spawner: Spawn | null | undefined;

/** How this runtime starts workers, or undefined when it cannot run threaded kernels. */
function platformSpawn(): Spawn | undefined {
  if (spawner === undefined) spawner = nodeSpawn() ?? browserSpawn() ?? null;
  return spawner ?? undefined;
}

/** Whether this runtime can run matmul threads at all (worker threads and shared memory). */
export function threadsSupported(): boolean {
  return typeof SharedArrayBuffer === 'function' && platformSpawn() !== undefined;
}

/** The number of logical cores (Node: `os.availableParallelism()`; browsers: `hardwareConcurrency`). */
export function coreCount(): number {
  const os = nodeBuiltin('node:os') as
    | { availableParallelism?: () => number; cpus?: () => unknown[] }
    | undefined;
  if (typeof os?.availableParallelism === 'function') return os.availableParallelism();
  if (typeof os?.cpus === 'function') return Math.max(1, os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * The worker side of threaded matmul for one engine: `module` is the shared-memory variant of the
 * engine's module and `memory` the engine's memory.
 */
export class ThreadPool implements GemmPool {
  private readonly control = new SharedArrayBuffer(SLOTS * 4);
  private readonly c = new Int32Array(this.control);
  private readonly handles: Handle[] = [];
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly spawn: Spawn;
  private closed = false;
  private spawnFailed = false;
  private tag = 0;
  private readonly spinMicros: number;
  /** When the last threaded call returned (performance.now()), -Infinity before the first. */
  private lastRunEnd = Number.NEGATIVE_INFINITY;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    spawn?: Spawn,
    /**
     * How long (µs) an idle worker keeps polling for the next job before it sleeps in
     * `Atomics.wait`, and the caller polls for the workers' blocks before it does. Waking a
     * sleeping thread takes tens to hundreds of µs on a VM (its idle virtual core must be woken
     * too), as long as a whole small product, while the products of a training step follow each
     * other within a millisecond or two. 0 sleeps at once.
     */
    spinMicros = DEFAULT_SPIN_MICROS,
  ) {
    const s = spawn ?? platformSpawn();
    if (s === undefined) throw new Error('ThreadPool: this runtime cannot start worker threads');
    if (!(Number.isFinite(spinMicros) && spinMicros >= 0)) {
      throw new RangeError(`ThreadPool: spinMicros must be a finite number ≥ 0, got ${spinMicros}`);
    }
    this.module = module;
    this.memory = memory;
    this.spawn = s;
    this.spinMicros = spinMicros;
    this.c[SPIN_US] = Math.min(2 ** 31 - 1, Math.round(spinMicros));
  }

  /** Workers started so far. */
  get size(): number {
    return this.handles.length;
  }

  /** Starts workers up to `count` (never more than MAX_WORKERS); they become usable once ready. */
  grow(count: number): void {
    const target = Math.min(count, MAX_WORKERS);
    while (!this.closed && !this.spawnFailed && this.handles.length < target) {
      const index = this.handles.length + 1;
      const data: WorkerData = {
        module: this.module,
        memory: this.memory,
        control: this.control,
        index,
      };
      try {
        this.handles.push(this.spawn(data, () => Atomics.store(this.c, READY + index, 0)));
      } catch {
        // A runtime that has the APIs but cannot start this worker (a sandbox, a policy):
        // stay with the workers there are, possibly none, and stop trying.
        this.spawnFailed = true;
      }
    }
  }

  /** Workers 1..r ready, counting from 1 without gaps. */
  ready(): number {
    let r = 0;
    while (r < this.handles.length && Atomics.load(this.c, READY + r + 1) === 1) r++;
    return r;
  }

  available(wanted: number): number {
    if (this.closed || wanted <= 1) return 1;
    this.grow(wanted - 1);
    return 1 + Math.min(wanted - 1, this.ready());
  }

  /** Scratch areas a call must provide: one per started worker plus the caller's. */
  slots(): number {
    return this.handles.length + 1;
  }

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
      if (Date.now() > deadline) {
        throw new Error(`ThreadPool: ${count} workers not ready after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  run(
    job: GemmJob,
    blocks: readonly Block[],
    threads: number,
    work: number,
    workStride: number,
    compute: (block: Block, work: number) => void,
  ): void {
    if (blocks.length > MAX_BLOCKS) {
      throw new RangeError(`ThreadPool: ${blocks.length} blocks, at most ${MAX_BLOCKS}`);
    }
    const c = this.c;
    // Close the claim word first, so that no late worker claims a block of a half-written job.
    this.tag = (this.tag + 1) & 4095;
    Atomics.store(c, NEXT, 0);
    const jobSlots = [
      job.a,
      job.b,
      job.c,
      job.m,
      job.n,
      job.k,
      job.transA ? 1 : 0,
      job.transB ? 1 : 0,
      job.accumulate ? 1 : 0,
    ];
    for (let i = 0; i < jobSlots.length; i++) c[JOB + i] = jobSlots[i] as number;
    blocks.forEach(([i0, i1, j0, j1], i) => {
      const o = BLOCKS + 4 * i;
      c[o] = i0;
      c[o + 1] = i1;
      c[o + 2] = j0;
      c[o + 3] = j1;
    });
    c[WORK] = work;
    c[WSTRIDE] = workStride;
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
    const until = performance.now() + this.spinMicros / 1000;
    for (let n = 0; done < count; n++) {
      if ((n & 255) === 0 && performance.now() > until) break;
      done = Atomics.load(c, DONE);
    }
    while (done < count) {
      Atomics.wait(c, DONE, done, 50);
      done = Atomics.load(c, DONE);
    }
    this.lastRunEnd = performance.now();
    if (ownError !== undefined) throw ownError;
    if (Atomics.load(c, ERROR) !== 0) throw new Error('matmul: a worker thread failed in gemm');
  }

  /** Stops the workers (they are unref'ed, so this is only needed to free them early). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.c, STOP, 1);
    Atomics.add(this.c, SEQ, 1);
    Atomics.notify(this.c, SEQ);
    for (const h of this.handles) h.stop();
  }
}
