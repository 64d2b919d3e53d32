import type { MatmulCase } from './matmul-cases.js';
import { callsPerRun, type TimingOptions, timeRun } from './timing.js';

/** One case made ready on one system: `run()` times one run and returns seconds per call. */
export interface PreparedMatmul {
  run(): Promise<number>;
  dispose(): void | Promise<void>;
}

/** One way of computing a product, measured in turn with the others. */
export interface MatmulSystem {
  /** Known after the first `prepare` (a backend's name may be known only then). */
  readonly name: string;
  /** One line for the log: what runs (library version, threads). */
  describe(): string;
  /** Makes operands for one case and warms the call up (which sizes its runs). */
  prepare(c: MatmulCase, timing: TimingOptions): Promise<PreparedMatmul>;
}

/**
 * A synchronous call in this process, made current by `select` (backend, threads) before each of
 * its turns. A short call pays for any switch of backend or threads before its run is timed; a
 * call long enough to fill a run on its own needs no such warm-up.
 */
export function localPrepared(
  select: () => unknown,
  call: () => void,
  timing: TimingOptions,
  dispose: () => void = () => {},
): PreparedMatmul {
  const repeats = callsPerRun(call, timing);
  return {
    async run() {
      await select();
      if (repeats > 1) call();
      return timeRun(call, repeats);
    },
    dispose,
  };
}
