/**
 * Decides, per size class, whether splitting a matmul across threads pays on this machine right
 * now, from the calls' own timings. Extra threads help only when there are idle cores: on a busy
 * or oversubscribed machine the workers share the caller's core and the split only adds packing
 * work. Since threaded and single-thread products are bit-identical, switching never changes a
 * result, only the time it takes.
 *
 * Each size class (a power of two of FLOPs) keeps a moving average of the time per FLOP in each
 * mode. A class tries both modes first, then uses the faster one and re-measures the other every
 * `exploreEvery` calls, so that it follows the machine's load.
 */
export class ThreadTuner {
  private readonly classes = new Map<number, SizeClass>();

  constructor(
    /** Calls between two re-measurements of the mode not in use. */
    readonly exploreEvery = 16,
    /** Weight of the newest timing in the moving averages. */
    readonly smoothing = 0.25,
  ) {}

  /** Whether the next call of `flops` floating-point operations should use threads. */
  useThreads(flops: number): boolean {
    const c = this.classOf(flops);
    if (c.single === undefined) return false;
    if (c.multi === undefined) return true;
    const threadedIsFaster = c.multi < c.single;
    c.calls++;
    return c.calls % this.exploreEvery === 0 ? !threadedIsFaster : threadedIsFaster;
  }

  /** Records that a call of `flops` operations took `ms` milliseconds with or without threads. */
  record(flops: number, threaded: boolean, ms: number): void {
    if (!(ms >= 0) || flops <= 0) return;
    const c = this.classOf(flops);
    const perFlop = ms / flops;
    const blend = (old: number | undefined): number =>
      old === undefined ? perFlop : old + this.smoothing * (perFlop - old);
    if (threaded) c.multi = blend(c.multi);
    else c.single = blend(c.single);
  }

  /** The averaged milliseconds per FLOP of each mode for the class of `flops` (for tests, logs). */
  estimate(flops: number): { single?: number; multi?: number } {
    const c = this.classOf(flops);
    return { single: c.single, multi: c.multi };
  }

  private classOf(flops: number): SizeClass {
    const key = Math.floor(Math.log2(Math.max(1, flops)));
    let c = this.classes.get(key);
    if (c === undefined) {
      c = { calls: 0 };
      this.classes.set(key, c);
    }
    return c;
  }
}

interface SizeClass {
  single?: number;
  multi?: number;
  calls: number;
}
