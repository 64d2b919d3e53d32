/** Messages between the page and the training worker. */

export type Schedule = 'constant' | 'cosine' | 'step' | 'exponential';

export interface TrainSettings {
  hidden: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** A built-in optimizer of @nabla/optimizers (`adam`, `sgd`, `momentum`, …). */
  optimizer: string;
  schedule: Schedule;
  seed: number;
  /** Train on the first N training images (the whole 60,000 by default). */
  trainLimit: number;
}

/** The demo CLI's defaults (apps/mnist-demo). */
export const DEFAULT_SETTINGS: Readonly<TrainSettings> = Object.freeze({
  hidden: 256,
  epochs: 10,
  batchSize: 128,
  lr: 0.003,
  optimizer: 'adam',
  schedule: 'cosine',
  seed: 1,
  trainLimit: 60_000,
});

export interface EngineReport {
  /** `js`, `wasm-simd` or `wasm-relaxed-simd`. */
  backend: string;
  /** Threads a large matrix product may use (1: the worker alone). */
  threads: number;
  /** Why the engine runs like this (isolation, shared memory, …), in a sentence. */
  reason: string;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  lr: number;
  /** Training samples per second of the epoch (evaluation and pauses excluded). */
  samplesPerSecond: number;
}

export interface Evaluation {
  accuracy: number;
  /** confusion[true][predicted], 10 × 10. */
  confusion: number[][];
  samples: number;
}

export type ToWorker =
  | { type: 'load'; baseUrl: string }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'resume' }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'predict-test'; id: number; index: number }
  | { type: 'save' }
  | { type: 'open'; name: string; bytes: Uint8Array };

export type FromWorker =
  | { type: 'engine'; engine: EngineReport }
  | { type: 'data-progress'; loaded: number; total: number }
  | { type: 'data-ready'; train: number; test: number; seconds: number }
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      seen: number;
      total: number;
      samplesPerSecond: number;
      loss: number;
      accuracy: number;
    }
  | { type: 'epoch'; report: EpochReport }
  | { type: 'state'; state: 'training' | 'stopped' | 'finished' }
  | { type: 'evaluation'; evaluation: Evaluation }
  | { type: 'model'; hidden: number; source: string }
  | {
      type: 'prediction';
      id: number;
      probabilities: number[];
      pixels: Float32Array;
      label?: number;
    }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'error'; message: string };
