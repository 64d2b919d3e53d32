import type { Summary } from './stats.js';

/** One measurement as written to the `--json` file: a bench, a system, a unit and its spread. */
export interface BenchRecord extends Summary {
  /** e.g. `matmul-256x256x256`, `train-a`. */
  readonly bench: string;
  /** e.g. `nabla-wasm-simd`, `nabla-js`, `tfjs-cpu`, `tfjs-wasm`. */
  readonly system: string;
  /** `GFLOP/s` or `samples/s`: higher is better for both. */
  readonly unit: string;
  /** How it was measured, when that matters for reading it (subset size, extrapolation). */
  readonly note?: string;
}
