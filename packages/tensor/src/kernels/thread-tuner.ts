/**
 * Decides, per kind of product, whether splitting a matmul across threads pays on this machine
 * right now, from the calls' own timings. Extra threads help only when there are idle cores: on a
 * busy or oversubscribed machine the workers share the caller's core and the split only adds
 * packing work. Since threaded and single-thread products are bit-identical, switching never
 * changes a result, only the time it takes.
 *
 * A kind is a size class (a power of two of FLOPs) and, when the caller gives one, a shape key:
 * the three products of a training step often have the same FLOPs but split very differently.
 * Each kind keeps a moving average of the time per FLOP in each mode. It tries both modes first,
 * then uses the faster one and re-measures the other after `exploreEvery` calls, so that it
 * follows the machine's load; while re-measurements confirm the choice, the wait between them
 * doubles (each one costs a call in the slower mode), up to 16 × `exploreEvery` calls and about
 * `maxWaitMs` of calls, so a large product keeps being re-measured every `exploreEvery` calls. A threaded timing taken with workers that first had to be woken is
 * dropped once (see `record`): the next call of the kind tries threads again.
 */
export class ThreadTuner {
  private readonly classes = new Map<number, SizeClass>();

  constructor(
    /** Calls between two re-measurements of the mode not in use. */
    readonly exploreEvery = 16,
    /** Weight of the newest timing in the moving averages. */
    readonly smoothing = 0.25,
    /** The longest wait between two re-measurements that a back-off may reach, in ms. */
    readonly maxWaitMs = 50,
  ) {}

  /**
   * Whether the next call of `flops` floating-point operations (of shape `shape`, any small
   * non-negative integer that tells shapes apart) should use threads.
   */
  useThreads(flops: number, shape = 0): boolean {
    const c = this.classOf(flops, shape);
    if (c.single === undefined) return false;
    if (c.multi === undefined || c.pending) {
      c.pending = true;
      return true;
    }
    const threadedIsFaster = c.multi < c.single;
    c.calls++;
    const explore = c.calls >= c.interval;
    if (explore) {
      c.calls = 0;
      c.exploring = threadedIsFaster ? 'single' : 'multi';
      if (!threadedIsFaster) c.pending = true;
    }
    return explore ? !threadedIsFaster : threadedIsFaster;
  }

  /**
   * Records that a call of `flops` operations took `ms` milliseconds with or without threads.
   * `warm` is false for a threaded call that first had to wake sleeping workers: after a stretch
   * on one thread, the first threaded call always does, which would make threads look slower than
   * they are in a run of calls. Such a timing is dropped once per re-measurement (the next call
   * of the kind tries threads again, now with the workers awake); a second cold one is recorded,
   * since then cold calls are what this kind of product gets.
   */
  record(flops: number, threaded: boolean, ms: number, shape = 0, warm = true): void {
    if (!(ms >= 0) || flops <= 0) return;
    const c = this.classOf(flops, shape);
    if (threaded && !warm && !c.coldSkipped) {
      c.coldSkipped = true;
      c.pending = true;
      return;
    }
    const perFlop = ms / flops;
    const blend = (old: number | undefined): number =>
      old === undefined ? perFlop : old + this.smoothing * (perFlop - old);
    const before = c.single !== undefined && c.multi !== undefined ? c.multi < c.single : undefined;
    if (threaded) {
      c.multi = blend(c.multi);
      c.pending = false;
      c.coldSkipped = false;
    } else {
      c.single = blend(c.single);
    }
    if (c.exploring === (threaded ? 'multi' : 'single')) {
      // A re-measurement that left the choice as it was: wait twice as long for the next one, up
      // to 16 × exploreEvery calls and to about `maxWaitMs` (a large product is re-measured as
      // often as before, so that a change of load is seen as soon); one that changed the
      // choice: back to every exploreEvery calls.
      c.exploring = undefined;
      const single = c.single as number;
      const multi = c.multi as number;
      const msPerCall = Math.min(single, multi) * flops;
      const cap = Math.max(
        this.exploreEvery,
        Math.min(this.exploreEvery * 16, Math.floor(this.maxWaitMs / msPerCall)),
      );
      c.interval = multi < single === before ? Math.min(c.interval * 2, cap) : this.exploreEvery;
    }
  }

  /** The averaged milliseconds per FLOP of each mode for a kind (for tests, logs). */
  estimate(flops: number, shape = 0): { single?: number; multi?: number } {
    const c = this.classOf(flops, shape);
    return { single: c.single, multi: c.multi };
  }

  private classOf(flops: number, shape: number): SizeClass {
    // 6 bits of size class, the rest for the shape: a small integer, so no allocation per call.
    const key = (((shape & 0xffffff) << 6) | Math.floor(Math.log2(Math.max(1, flops)))) >>> 0;
    let c = this.classes.get(key);
    if (c === undefined) {
      c = { calls: 0, interval: this.exploreEvery, pending: false, coldSkipped: false };
      this.classes.set(key, c);
    }
    return c;
  }
}

interface SizeClass {
  single?: number;
  multi?: number;
  /** Calls since the last re-measurement. */
  calls: number;
  /** Calls between two re-measurements: exploreEvery, doubled while they change nothing. */
  interval: number;
  /** The mode being re-measured, until its timing is recorded. */
  exploring?: 'single' | 'multi';
  /** A threaded re-measurement was decided but not recorded yet. */
  pending: boolean;
  /** A cold threaded timing of the pending re-measurement was dropped already. */
  coldSkipped: boolean;
}

/**
 * A shape key for `ThreadTuner`: a 24-bit hash of the dimensions and transpose flags (collisions
 * only make two shapes share their statistics).
 */
export function shapeKey(
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): number {
  let h = Math.imul(m, 0x9e3779b1) ^ Math.imul(n, 0x85ebca77) ^ Math.imul(k, 0xc2b2ae3d);
  h ^= (transA ? 1 : 0) | (transB ? 2 : 0);
  h ^= h >>> 15;
  return h & 0xffffff;
}
