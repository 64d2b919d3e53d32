import type { Block } from '../kernels.js';

/**
 * A fused optimizer update that a `ThreadPool` splits across threads: the byte offsets of its
 * arrays in the shared memory and its coefficients, in the order of the kernel's arguments.
 */
export interface UpdateJob {
  readonly kind: 'adam' | 'sgd';
  /** Adam: value, grad, m, v, vMax (0 = none). SGD: value, grad. */
  readonly arrays: readonly number[];
  /**
   * Adam: stepSize, β1, β2, 1 − β1, 1 − β2, bc2Sqrt, ε, l2, shrink (what the kernel takes as
   * float32, passed as the same float64 numbers a call on this thread would pass). SGD: lr.
   */
  readonly coefficients: readonly number[];
}

/**
 * Element-wise updates shorter than this run on one thread: 65,536 floats are about 50 µs of Adam
 * on one core, several times what handing half of them to an awake worker costs.
 */
export const MIN_THREADED_UPDATE = 65_536;

/** Elements a range of a split update starts on a multiple of: a 64-byte line of floats. */
const RANGE_UNIT = 16;

/**
 * Splits elements 0..n into at most `parts` ranges [j0, j1, 0, 0] (as `Block`s) whose starts are
 * multiples of 16 elements, so that no two threads write the same cache line; empty ranges are
 * dropped.
 */
export function splitRange(n: number, parts: number): Block[] {
  const units = Math.ceil(n / RANGE_UNIT);
  const count = Math.max(1, Math.min(parts, units));
  const out: Block[] = [];
  let start = 0;
  for (let p = 0; p < count; p++) {
    const end = Math.min(n, Math.round(((p + 1) * units) / count) * RANGE_UNIT);
    if (end > start) out.push([start, end, 0, 0]);
    start = end;
  }
  return out;
}
