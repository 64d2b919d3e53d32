/** How long to warm up and how to split the timed calls into runs. */
export interface TimingOptions {
  /** Number of timed runs (the median is taken over these). */
  readonly runs: number;
  /** Each run repeats the call until at least this many milliseconds have passed. */
  readonly minRunMs: number;
  /** Untimed calls before the first run (JIT, caches, lazy backend set-up), at least one. */
  readonly warmupMs: number;
}

/**
 * Warms a synchronous call up for `warmupMs` (at least one call) and returns how many calls one
 * run needs to last about `minRunMs`, so that a 20 µs matmul is not measured against the timer's
 * resolution.
 */
export function callsPerRun(fn: () => void, options: TimingOptions): number {
  let calls = 0;
  const warmStart = performance.now();
  do {
    fn();
    calls += 1;
  } while (performance.now() - warmStart < options.warmupMs);
  const estimateMs = (performance.now() - warmStart) / calls;
  return Math.max(1, Math.ceil(options.minRunMs / Math.max(estimateMs, 1e-6)));
}

/** One timed run: the mean seconds per call over `repeats` calls. */
export function timeRun(fn: () => void, repeats: number): number {
  const start = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  return (performance.now() - start) / 1000 / repeats;
}
