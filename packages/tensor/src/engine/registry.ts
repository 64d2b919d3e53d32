import {
  type BackendName,
  createEngine,
  ENGINE_PROTOCOL,
  type Engine,
  type EngineInfo,
} from './engine.js';

/**
 * The key of the shared engine on `globalThis`. `Symbol.for` gives every copy of @nabla/tensor in a
 * process (nested duplicates, the ESM and the CJS build, other versions) the same key, so they all
 * find the engine the first one created.
 */
const KEY = Symbol.for('@nabla/tensor/engine');

/** The engine of this copy when the shared one speaks another protocol version. */
let own: Engine | undefined;

function isEngine(value: unknown): value is Engine {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { protocol?: unknown }).protocol === ENGINE_PROTOCOL
  );
}

/**
 * The engine every op of this process runs on, created on first use (nothing starts at import).
 * All copies of @nabla/tensor with the same engine protocol share it: one kernel choice, one wasm
 * memory, one worker pool, one `setThreads`. A copy whose protocol differs gets an engine of its
 * own and says so once (a console warning, and a line in `engineInfo().reasons`).
 */
export function getEngine(): Engine {
  const scope = globalThis as unknown as Record<symbol, unknown>;
  const shared = scope[KEY];
  if (isEngine(shared)) return shared;
  if (shared === undefined) {
    const engine = createEngine();
    Object.defineProperty(scope, KEY, { value: engine, configurable: true, enumerable: false });
    return engine;
  }
  if (own === undefined) {
    const theirs = (shared as { protocol?: unknown }).protocol;
    const note = `another copy of @nabla/tensor (engine protocol ${String(theirs)}) holds the shared engine; this copy (protocol ${ENGINE_PROTOCOL}) uses an engine of its own: install one version of @nabla/tensor`;
    console.warn(`@nabla/tensor: ${note}`);
    own = createEngine({ note });
  }
  return own;
}

/** What the engine runs on and why (backend, threads, fallback reasons); see `EngineInfo`. */
export function engineInfo(): EngineInfo {
  return getEngine().info();
}

/**
 * Selects the compute backend of the shared engine (see `BackendName`). `auto` never throws; a
 * named wasm backend that cannot start here throws and leaves the previous one in place.
 */
export function setBackend(name: BackendName): void {
  getEngine().setBackend(name);
}

/** The name of the backend in use: `js`, `wasm-simd` or `wasm-relaxed-simd`. */
export function backendName(): string {
  return getEngine().info().backend;
}

/**
 * Sets how many threads a large float32 matmul may use with the wasm backends (the calling thread
 * included): a whole number from 1 (never split) to 64, or `auto` for the number of cores (at most
 * 8). Worker threads start lazily, on the first product large enough to split, and a kind of
 * product is split only while its measured timings show that threads are faster.
 */
export function setThreads(count: number | 'auto'): void {
  getEngine().setThreads(count);
}

/** The thread count large products can use now (1 where threads are unavailable or failed). */
export function getThreads(): number {
  return getEngine().info().threads;
}
