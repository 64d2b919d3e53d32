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
 * Times a synchronous call: after a warm-up, performs `runs` runs and returns the mean seconds
 * per call of each run. A run repeats the call enough times to last about `minRunMs`, so that a
 * 20 µs matmul is not measured against the timer's resolution.
 */
export function secondsPerCall(fn: () => void, options: TimingOptions): number[] {
  let calls = 0;
  const warmStart = performance.now();
  do {
    fn();
    calls += 1;
  } while (performance.now() - warmStart < options.warmupMs);
  const estimateMs = (performance.now() - warmStart) / calls;
  const repeats = Math.max(1, Math.ceil(options.minRunMs / Math.max(estimateMs, 1e-6)));
  const out: number[] = [];
  for (let r = 0; r < options.runs; r++) {
    const start = performance.now();
    for (let i = 0; i < repeats; i++) fn();
    out.push((performance.now() - start) / 1000 / repeats);
  }
  return out;
}
