import type { TrainingData } from './mnist.js';
import type { TrainingConfig } from './training-config.js';

/**
 * One system set up to train one configuration. `epoch(samples)` trains one epoch over the first
 * `samples` training samples and returns the seconds spent training, excluding set-up that a
 * real training run would do once (building tensors of the data, compiling the model).
 */
export interface TrainingRunner {
  /** e.g. `nabla-wasm-simd`, `tfjs-wasm`, `tfjs-wasm-loop`. */
  readonly system: string;
  /** One line describing what runs, for the log. */
  readonly info: string;
  epoch(samples: number): Promise<number>;
  dispose(): void | Promise<void>;
}

/** Makes a runner for one configuration (the system is fixed by the factory). */
export type RunnerFactory = (config: TrainingConfig, data: TrainingData) => Promise<TrainingRunner>;
