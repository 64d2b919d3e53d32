import type { Block } from '../kernels.js';
import type { ThreadTuner } from './tuner.js';

/** How the products of one engine are split across threads. */
export interface ThreadPolicy {
  /** Threads to use at most (1 = never split). */
  threads(): number;
  /** Products with fewer floating-point operations (2·m·n·k) than this run on one thread. */
  minFlops: number;
  /** When set, larger products use threads only while their timings say that it pays. */
  tuner?: ThreadTuner;
}

/**
 * Products with fewer floating-point operations (2·m·n·k) than this run on one thread: 8·10⁶ is
 * about 0.2 ms of single-thread work, several times the cost of waking a worker, so that a split
 * can pay even when the worker wakes late. 128³ stays on one thread; the training-step products
 * of a 784-128 layer at batch 64 (1.3·10⁷) are split.
 */
export const MIN_THREADED_FLOPS = 8_000_000;

/** Blocks per thread when a product is split (dynamic claiming evens out uneven thread speed). */
export const BLOCKS_PER_THREAD = 2;

/**
 * Splits C into `parts` blocks along the dimension whose split duplicates less packing work: rows
 * when m ≥ n (each part re-packs B), columns otherwise (each part re-packs A). Block edges fall on
 * multiples of the register tile (4 rows, 8 columns). Parts that would be empty are dropped.
 */
export function splitWork(m: number, n: number, parts: number): Block[] {
  const out: Block[] = [];
  const byRows = m >= n;
  const len = byRows ? m : n;
  const unit = byRows ? 4 : 8;
  const units = Math.ceil(len / unit);
  const count = Math.max(1, Math.min(parts, units));
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = Math.min(len, Math.round(((p + 1) * units) / count) * unit);
    if (end > start) out.push(byRows ? [start, end, 0, n] : [0, m, start, end]);
    start = end;
  }
  return out;
}
