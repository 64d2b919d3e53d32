import { backendName, getThreads } from '@nabla/tensor';
import type { EngineReport } from './protocol.js';

interface Scope {
  crossOriginIsolated?: boolean;
}

/**
 * What the tensor engine runs on in this worker, and why. The one place that asks @nabla/tensor
 * (until `engineInfo()` of issue 11 reports the fallback reasons itself).
 */
export function engineReport(): EngineReport {
  const backend = backendName();
  const threads = getThreads();
  const isolated = (globalThis as Scope).crossOriginIsolated === true;
  const shared = typeof SharedArrayBuffer === 'function';
  let reason: string;
  if (backend === 'js') {
    reason = 'this browser has no WebAssembly SIMD: plain JavaScript kernels, one thread';
  } else if (!isolated || !shared) {
    reason =
      'the page is not cross-origin isolated (the server sends no COOP/COEP headers), so there is no shared memory: one thread';
  } else if (threads > 1) {
    reason = `cross-origin isolated: shared memory, matrix products split over ${threads} threads (this worker and ${threads - 1} more)`;
  } else {
    reason = 'cross-origin isolated, but this browser reports one core: one thread';
  }
  return { backend, threads, reason };
}
