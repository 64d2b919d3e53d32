/**
 * How this runtime starts the worker threads of threaded matmul: Node's `worker_threads` (code
 * given as text, `eval`) or, in a browser, a Worker from a Blob URL (only inside a worker of a
 * cross-origin-isolated page: shared memory needs the isolation, and a page's main thread may not
 * block in `Atomics.wait`). Nothing here runs at import time.
 */

/** What a worker receives when it starts. */
export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
}

/** A started worker, whatever the platform. */
export interface WorkerHandle {
  stop(): void;
}

/**
 * Starts worker `data.index` running the pool's loop. `onExit(reason)` is called when the worker
 * fails to start, fails or exits. May throw when the runtime refuses the worker outright.
 */
export type Spawn = (data: WorkerData, onExit: (reason: string) => void) => WorkerHandle;

/** The worker's code, as script text: `nablaGemmWorker(data)` defined by `loop`. */
export interface WorkerScript {
  loop: string;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'exit', listener: (code: number) => void): void;
  on(event: 'error', listener: (error: unknown) => void): void;
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

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function nodeSpawn(script: WorkerScript): Spawn | undefined {
  const mod = nodeBuiltin('node:worker_threads') as { Worker?: NodeWorkerClass } | undefined;
  const NodeWorkerCtor = mod?.Worker;
  if (typeof NodeWorkerCtor !== 'function') return undefined;
  const code = `${script.loop}\nnablaGemmWorker(require('node:worker_threads').workerData);\n`;
  return (data, onExit) => {
    const worker = new NodeWorkerCtor(code, {
      eval: true,
      workerData: data,
      name: `nabla-gemm-${data.index}`,
    });
    worker.unref();
    worker.on('exit', (exitCode) => onExit(`exited with code ${exitCode}`));
    worker.on('error', (e) => onExit(describe(e)));
    return { stop: () => void worker.terminate() };
  };
}

interface BrowserWorker {
  postMessage(data: WorkerData): void;
  terminate(): void;
  onerror: ((event: { message?: string }) => void) | null;
}

interface BrowserScope {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  Worker?: new (url: string) => BrowserWorker;
  Blob?: typeof Blob;
  URL?: typeof URL;
}

function browserSpawn(script: WorkerScript): Spawn | undefined {
  const g = globalThis as BrowserScope;
  const BrowserWorkerCtor = g.Worker;
  if (
    g.crossOriginIsolated !== true ||
    g.WorkerGlobalScope === undefined ||
    typeof BrowserWorkerCtor !== 'function' ||
    g.Blob === undefined ||
    g.URL === undefined
  ) {
    return undefined;
  }
  const code = `${script.loop}\nself.onmessage = function (e) { self.onmessage = null; nablaGemmWorker(e.data); };\n`;
  let url: string | undefined;
  return (data, onExit) => {
    url ??= (g.URL as typeof URL).createObjectURL(
      new (g.Blob as typeof Blob)([code], { type: 'text/javascript' }),
    );
    // A Content-Security-Policy without blob: in worker-src makes this throw or fire `error`.
    const worker = new BrowserWorkerCtor(url);
    worker.onerror = (event) => onExit(event.message ?? 'the worker could not be started');
    worker.postMessage(data);
    return { stop: () => worker.terminate() };
  };
}

/** How this runtime starts workers, or undefined when it cannot run threaded kernels. */
export function platformSpawn(script: WorkerScript): Spawn | undefined {
  if (typeof SharedArrayBuffer !== 'function') return undefined;
  return nodeSpawn(script) ?? browserSpawn(script);
}

/** Why this runtime cannot run matmul threads, or undefined when it can (as far as can be told). */
export function threadsUnavailableReason(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function') {
    return 'SharedArrayBuffer is unavailable (a page must be cross-origin isolated: COOP/COEP headers)';
  }
  if (nodeBuiltin('node:worker_threads') !== undefined) return undefined;
  const g = globalThis as BrowserScope;
  if (g.crossOriginIsolated !== true) return 'the page is not cross-origin isolated';
  if (g.WorkerGlobalScope === undefined) {
    return "a page's main thread cannot wait for workers (run training in a Web Worker)";
  }
  if (typeof g.Worker !== 'function') return 'this worker cannot start nested workers';
  if (g.Blob === undefined || g.URL === undefined) return 'Blob URLs are unavailable';
  return undefined;
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
