import type { Parameter } from './parameter.js';

/** Plain, serialisable data: what `stateDict()` returns (typed arrays keep float bits exact). */
export type StateValue =
  | number
  | string
  | boolean
  | null
  | Float32Array
  | Float64Array
  | Int32Array
  | readonly StateValue[]
  | { readonly [key: string]: StateValue };

/** A named collection of state values. */
export interface StateDict {
  readonly [key: string]: StateValue;
}

/**
 * The optimizer contract. It lives here, in `@nabla/tensor`, so that a third-party optimizer
 * package needs nothing else: implement this interface (no base class) and export a factory.
 *
 * - `step()` updates every parameter's `value` in place from its `grad`, and never writes `grad`.
 * - `lr` is read on every step, so learning-rate schedules drive any optimizer through it.
 * - `stateDict()` / `loadStateDict()` capture everything needed to resume bit for bit.
 */
export interface Optimizer {
  readonly parameters: readonly Parameter[];
  lr: number;
  step(): void;
  stateDict(): StateDict;
  loadStateDict(state: StateDict): void;
}

/** Options every optimizer factory accepts; implementations may take more. */
export interface OptimizerOptions {
  lr?: number | undefined;
}

/**
 * What an optimizer package exports as `createOptimizer`, so an app can load it by package
 * name (`--optimizer some-package`) and build it over a model's parameters.
 */
export type OptimizerFactory = (
  parameters: readonly Parameter[],
  options?: OptimizerOptions,
) => Optimizer;
