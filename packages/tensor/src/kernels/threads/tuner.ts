/**
 * Decides, per kind of product, whether splitting a matmul across threads pays on this machine
 * right now, from the calls' own timings. Extra threads help only when there are idle cores: on a
 * busy or oversubscribed machine the workers share the caller's core and the split only adds
 * packing work. Since threaded and single-thread products are bit-identical, switching never
 * changes a result, only the time it takes.
 *
 * A kind is a size class (a power of two of FLOPs) and, when the caller gives one, a shape key:
 * the three products of a training step often have the same FLOPs but split very differently.
 * Each kind keeps the last `window` timings per FLOP of each mode and takes their minimum as the
 * mode's speed: one call slowed by the machine (a preempted worker) does not decide anything,
 * while a lasting change replaces the whole window within `window` calls. It tries both modes
 * first, then uses the faster one and re-measures the other after `exploreEvery` calls, so that
 * it follows the machine's load; while re-measurements confirm the choice, the wait between them
 * doubles (each one costs a call in the slower mode), up to 16 × `exploreEvery` calls and about
 * `maxWaitMs` of calls, so a large product keeps being re-measured every `exploreEvery` calls. A
 * threaded timing taken with workers that first had to be woken is dropped once (see `record`):
 * the next call of the kind tries threads again.
 */
export class ThreadTuner {
  private readonly classes = new Map<number, SizeClass>();

  constructor(
    /** Calls between two re-measurements of the mode not in use. */
    readonly exploreEvery = 16,
    /** Timings per mode whose minimum is the mode's speed (a whole number ≥ 1). */
    readonly window = 4,
    /** The longest wait between two re-measurements that a back-off may reach, in ms. */
    readonly maxWaitMs = 50,
  ) {
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(`ThreadTuner: window must be a whole number ≥ 1, got ${window}`);
    }
  }

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
    const before = c.single !== undefined && c.multi !== undefined ? c.multi < c.single : undefined;
    if (threaded) {
      c.multi = c.multiTimes.add(perFlop);
      c.pending = false;
      c.coldSkipped = false;
    } else {
      c.single = c.singleTimes.add(perFlop);
    }
    if (c.single === undefined || c.multi === undefined) return;
    const after = c.multi < c.single;
    if (before !== undefined && after !== before) {
      // The choice changed (a re-measurement, or the mode in use got slower): watch closely
      // again, re-measuring the other mode every exploreEvery calls.
      c.exploring = undefined;
      c.calls = 0;
      c.interval = this.exploreEvery;
    } else if (c.exploring === (threaded ? 'multi' : 'single')) {
      // A re-measurement that confirmed the choice: wait twice as long for the next one, up to
      // 16 × exploreEvery calls and about `maxWaitMs` of calls (a large product is re-measured
      // every exploreEvery calls, so that a change of load is seen as soon).
      c.exploring = undefined;
      const msPerCall = Math.min(c.single, c.multi) * flops;
      const cap = Math.max(
        this.exploreEvery,
        Math.min(this.exploreEvery * 16, Math.floor(this.maxWaitMs / msPerCall)),
      );
      c.interval = Math.min(c.interval * 2, cap);
    }
  }

  /** The milliseconds per FLOP of each mode for a kind, as the tuner sees them (tests, logs). */
  estimate(flops: number, shape = 0): { single?: number; multi?: number } {
    const c = this.classOf(flops, shape);
    return { single: c.single, multi: c.multi };
  }

  private classOf(flops: number, shape: number): SizeClass {
    // 6 bits of size class, the rest for the shape: a small integer, so no allocation per call.
    const key = (((shape & 0xffffff) << 6) | Math.floor(Math.log2(Math.max(1, flops)))) >>> 0;
    let c = this.classes.get(key);
    if (c === undefined) {
      c = {
        calls: 0,
        interval: this.exploreEvery,
        pending: false,
        coldSkipped: false,
        singleTimes: new RecentMinimum(this.window),
        multiTimes: new RecentMinimum(this.window),
      };
      this.classes.set(key, c);
    }
    return c;
  }
}

interface SizeClass {
  /** The speed (ms per FLOP) of each mode: the minimum of its recent timings. */
  single?: number;
  multi?: number;
  singleTimes: RecentMinimum;
  multiTimes: RecentMinimum;
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

/** The minimum of the last `size` values added (a ring; no allocation per value). */
class RecentMinimum {
  private readonly values: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  /** Adds a value and returns the minimum of the recent ones. */
  add(value: number): number {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) min = Math.min(min, this.values[i] as number);
    return min;
  }
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
