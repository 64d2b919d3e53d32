/** A training benchmark: an MLP (or the demo's CNN) on MNIST trained with plain SGD for one epoch. */
export interface TrainingConfig {
  /** `train-a`, `train-b` or `train-cnn`. */
  readonly bench: string;
  readonly label: string;
  /** `mlp` (default): `sizes` are the layer widths; `cnn`: {@link CNN_DESCRIPTION}. */
  readonly model?: 'mlp' | 'cnn';
  /** Layer widths from input to output, e.g. [784, 128, 10] (for the CNN: input and classes). */
  readonly sizes: readonly number[];
  readonly batchSize: number;
  readonly lr: number;
  /** Speed-up over TFJS-wasm `model.fit` that issue 7 asks for, if any. */
  readonly target?: number;
  /** Speed-up over the hand-written TFJS-wasm loop that issue 7 asks for, if any. */
  readonly loopTarget?: number;
  /** Fraction of PyTorch's samples/s that issue 17 asks for, on Node 20 and on Node ≥ 24. */
  readonly torchTarget?: { readonly node20: number; readonly node24: number };
}

export const TRAINING_CONFIGS: readonly TrainingConfig[] = [
  {
    bench: 'train-a',
    label: 'A: 784-128-10, batch 64',
    sizes: [784, 128, 10],
    batchSize: 64,
    lr: 0.01,
    target: 10,
    torchTarget: { node20: 0.7, node24: 0.8 },
  },
  {
    bench: 'train-b',
    label: 'B: 784-1024-1024-10, batch 256',
    sizes: [784, 1024, 1024, 10],
    batchSize: 256,
    lr: 0.01,
    target: 40,
    loopTarget: 3,
    torchTarget: { node20: 0.4, node24: 0.5 },
  },
  {
    bench: 'train-cnn',
    label: 'CNN (demo), batch 128',
    model: 'cnn',
    sizes: [784, 10],
    batchSize: 128,
    lr: 0.01,
  },
];

/**
 * The demo's CNN as every system builds it (NCHW for Nabla and PyTorch, NHWC for TFJS), stride 1,
 * no padding, pooling 2×2: 28×28 → 24×24 → 12×12 → 8×8 → 4×4.
 */
export const CNN_DESCRIPTION =
  'Conv(1→32, 5)-BN-MaxPool2-ReLU → Conv(32→64, 5)-BN-MaxPool2-ReLU → Flatten → Linear(1024→10)';

/** How long the training runs may take; a system too slow for a full epoch runs a subset. */
export interface TrainingBudget {
  readonly runs: number;
  /** Batches of one untimed warm-up pass; the last pass estimates the speed. */
  readonly warmupBatches: number;
  /** Warm-up passes repeat until they have taken this long in total (at least one pass). */
  readonly warmupSeconds: number;
  /** A full epoch is run when it is expected to take at most this long, else a subset. */
  readonly maxEpochSeconds: number;
  /** The expected duration of one run on a subset. */
  readonly subsetSeconds: number;
  /** Never fewer batches per run than this. */
  readonly minBatches: number;
  /** Never more samples per run than this (the `--quick` subset), 0 for no cap. */
  readonly maxSamples: number;
}

/**
 * The samples per timed run: the whole epoch when it fits `maxEpochSeconds` at the estimated
 * speed (and `maxSamples` allows), else whole batches filling about `subsetSeconds` (at least
 * `minBatches`).
 */
export function planSamples(
  epoch: number,
  batchSize: number,
  samplesPerSecond: number,
  budget: TrainingBudget,
): number {
  const cap = budget.maxSamples > 0 ? Math.min(epoch, budget.maxSamples) : epoch;
  if (cap / samplesPerSecond <= budget.maxEpochSeconds) return cap;
  const batches = Math.floor((samplesPerSecond * budget.subsetSeconds) / batchSize);
  return Math.min(cap, Math.max(budget.minBatches, batches) * batchSize);
}
