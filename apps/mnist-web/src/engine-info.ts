import { engineInfo } from '@nabla/tensor';
import type { EngineReport } from './protocol.js';

interface Scope {
  crossOriginIsolated?: boolean;
}

/**
 * What the tensor engine runs on in this worker, and why: the backend and thread count that
 * `engineInfo()` reports (the truth, including its fallbacks), and one sentence for the page.
 */
export function engineReport(): EngineReport {
  const info = engineInfo();
  const { backend, threads } = info;
  const isolated = (globalThis as Scope).crossOriginIsolated === true;
  let reason: string;
  if (info.reasons.some((r) => r.startsWith('threads:')) && threads === 1) {
    const why = info.reasons.filter((r) => r.startsWith('threads:')).join('; ');
    reason = isolated
      ? `one thread: ${why}`
      : 'the page is not cross-origin isolated (the server sends no COOP/COEP headers), so there is no shared memory: one thread';
  } else if (backend === 'js') {
    reason = `plain JavaScript kernels, one thread: ${info.reasons.join('; ')}`;
  } else if (threads > 1) {
    reason = `cross-origin isolated: shared memory, matrix products split over ${threads} threads (this worker and ${threads - 1} more)`;
  } else {
    reason = 'cross-origin isolated, but this browser reports one core: one thread';
  }
  return { backend, threads, reason };
}
