/** Median, min and max of one measurement repeated over several runs. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: no values');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`median: non-finite value ${v}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Summarises per-run values (each already in the reported unit, e.g. GFLOP/s). */
export function summarize(values: readonly number[]): Summary {
  const m = median(values);
  return { median: m, min: Math.min(...values), max: Math.max(...values), runs: values.length };
}
