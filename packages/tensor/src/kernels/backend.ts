import { jsKernels } from './js.js';
import type { Kernels } from './kernels.js';

/**
 * Which kernels the ops use. This is the one process-wide setting of the tensor core, and it is
 * explicit: it starts as `auto` (the fastest backend this runtime supports, picked lazily on the
 * first op, never at import time) and changes only through `setBackend`.
 */
export type BackendName = 'auto' | 'js';

let chosen: Kernels | undefined;
let requested: BackendName = 'auto';

function pick(name: BackendName): Kernels {
  switch (name) {
    case 'js':
    case 'auto':
      return jsKernels;
    default:
      throw new RangeError(`setBackend: unknown backend ${JSON.stringify(name)}: expected auto or js`);
  }
}

/** The kernels in use (chosen on first call). */
export function kernels(): Kernels {
  if (chosen === undefined) chosen = pick(requested);
  return chosen;
}

/** Selects the compute backend: `auto` (default) or `js`. */
export function setBackend(name: BackendName): void {
  chosen = pick(name);
  requested = name;
}

/** The name of the backend in use, e.g. `js` or `wasm-simd`. */
export function backendName(): string {
  return kernels().name;
}
