import {
  backendName,
  engineInfo,
  getThreads,
  matmul,
  setBackend,
  setThreads,
  zeros,
} from '@nabla/tensor';
import { operands } from './matmul-cases.js';
import { localPrepared, type MatmulSystem } from './matmul-system.js';

/**
 * Nabla's matmul as `configure` leaves it after `setBackend('auto')` and `setThreads('auto')`;
 * `label` turns the auto backend's system name (e.g. `nabla-wasm-simd`) into this system's.
 */
export function nablaMatmulSystem(
  label: (auto: string) => string,
  configure: () => void,
): MatmulSystem {
  const select = (): string => {
    // Only when another system switched backends: `setBackend` starts a fresh engine (new wasm
    // memory to fault in, new workers), which a turn would otherwise pay for.
    if (engineInfo().requested !== 'auto') setBackend('auto');
    setThreads('auto');
    const auto = `nabla-${backendName()}`;
    configure();
    return label(auto);
  };
  let name = '';
  return {
    get name() {
      return name;
    },
    describe: () => `${getThreads()} thread${getThreads() > 1 ? 's' : ''}`,
    async prepare(c, timing) {
      name = select();
      const [a, b] = operands(c);
      // Into a reused `out`, as every hot path of the library calls it. (A fresh result per call
      // mostly measures this VM's page faults on newly mapped memory, ~15 µs per 4 KiB page,
      // while tf.matMul writes into its wasm heap, whose pages are already mapped: see
      // docs/benchmarks.md.)
      const options = { transA: c.transA, transB: c.transB, out: zeros([c.m, c.n]) };
      return localPrepared(select, () => void matmul(a, b, options), timing);
    },
  };
}

/**
 * Nabla as configured by default (auto backend on all threads); then on one thread, since
 * tfjs-wasm cannot use threads in Node, which makes that the kernel-for-kernel comparison; then
 * plain JS when auto is something else.
 */
export function nablaMatmulSystems(): MatmulSystem[] {
  setBackend('auto');
  setThreads('auto');
  const autoIsJs = backendName() === 'js';
  const threads = getThreads();
  return [
    nablaMatmulSystem(
      (auto) => auto,
      () => {},
    ),
    ...(threads > 1
      ? [
          nablaMatmulSystem(
            (auto) => `${auto}-1t`,
            () => setThreads(1),
          ),
        ]
      : []),
    ...(autoIsJs
      ? []
      : [
          nablaMatmulSystem(
            () => 'nabla-js',
            () => setBackend('js'),
          ),
        ]),
  ];
}
