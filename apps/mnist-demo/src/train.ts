import { DataLoader, type MnistBatch, MnistDataset, type MnistSplit } from '@nabla/data';
import { accuracy, SoftmaxCrossEntropy } from '@nabla/losses';
import { createRng, type OptimizerFactory } from '@nabla/tensor';
import type { TrainConfig } from './args.js';
import { type Evaluation, evaluate } from './evaluate.js';
import type { EpochRecord } from './metrics.js';
import { createModel, type DemoModel, datasetOptions, type ModelKind } from './model.js';
import { createSchedule } from './optimizer.js';
import type { ProgressReporter } from './progress.js';

const TRAINING = Object.freeze({ training: true });
const SKIP_INPUT_GRAD = Object.freeze({ inputGrad: false });

export interface TrainOptions {
  config: Pick<TrainConfig, 'epochs' | 'batchSize' | 'lr' | 'hidden' | 'schedule' | 'seed'> & {
    /** The network (default `mlp`). */
    model?: ModelKind;
  };
  train: MnistSplit;
  test: MnistSplit;
  optimizerFactory: OptimizerFactory;
  progress?: Pick<ProgressReporter, 'startEpoch'>;
  /** Called with each finished epoch (for the per-epoch log line). */
  onEpoch?: (record: EpochRecord) => void;
  /** Asked after every batch; true stops training there (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Clock in milliseconds (default performance.now). */
  now?: () => number;
}

export interface TrainResult {
  model: DemoModel;
  epochs: EpochRecord[];
  /** True when `shouldStop` ended the run early. */
  interrupted: boolean;
  /** The final model on the test set. */
  final: Evaluation;
  /** Wall time of the whole run (training and evaluations), in seconds. */
  seconds: number;
}

/** Lets the event loop run (signals, the progress bar's timer) between two batches. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains the network (MLP or CNN) with mini-batches: forward, fused softmax cross-entropy, backward, optimizer
 * step, schedule step; evaluates on the test set after every epoch. Deterministic for a given
 * seed: the initial weights come from `createRng(seed)` and the shuffling from a DataLoader
 * seeded with `seed`.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, optimizerFactory, progress, onEpoch, shouldStop = () => false } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const model = createModel(config.model ?? 'mlp', config.hidden, createRng(config.seed));
  const trainSet = new MnistDataset(options.train, datasetOptions(model));
  const testSet = new MnistDataset(options.test, datasetOptions(model));
  const loader = new DataLoader<MnistBatch>(trainSet, {
    batchSize: config.batchSize,
    shuffle: true,
    seed: config.seed,
  });
  const optimizer = optimizerFactory(model.net.parameters(), { lr: config.lr });
  const schedule = createSchedule(config.schedule, optimizer, config.epochs, loader.length);

  const epochs: EpochRecord[] = [];
  let stopped = false;
  let interrupted = false;
  let final: Evaluation | undefined;
  const lossFn = new SoftmaxCrossEntropy(); // reuses its gradient buffer across steps
  for (let epoch = 1; epoch <= config.epochs && !stopped; epoch++) {
    const epochStart = now();
    const lr = optimizer.lr;
    const bar = progress?.startEpoch(epoch, config.epochs, trainSet.length);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (const { x, y } of loader.epoch(epoch - 1)) {
      const logits = model.net.forward(x, TRAINING);
      let step: ReturnType<typeof lossFn.compute<'float32'>>;
      try {
        step = lossFn.compute(logits, y);
      } catch (e) {
        bar?.stop();
        throw new Error(
          `training diverged at epoch ${epoch}, sample ${seen} (lr ${optimizer.lr}; try a smaller --lr): ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      correct += Math.round(accuracy(logits, y) * y.size);
      // The input is data: the first layer need not compute ∂L/∂X.
      model.net.backward(step.grad, SKIP_INPUT_GRAD);
      optimizer.step();
      schedule.afterBatch();
      lossSum += step.loss * y.size;
      seen += y.size;
      bar?.update(seen, lossSum / seen);
      await tick();
      if (shouldStop()) {
        stopped = true;
        break;
      }
    }
    bar?.stop();
    const trainSeconds = (now() - epochStart) / 1000;
    const complete = seen === trainSet.length;
    interrupted = !complete;
    let testAccuracy = Number.NaN;
    if (complete) {
      final = evaluate(model, testSet);
      testAccuracy = final.accuracy;
      schedule.afterEpoch();
    }
    const record: EpochRecord = {
      epoch,
      trainLoss: seen === 0 ? Number.NaN : lossSum / seen,
      trainAccuracy: seen === 0 ? Number.NaN : correct / seen,
      testAccuracy,
      lr,
      samples: seen,
      trainSeconds,
      seconds: (now() - epochStart) / 1000,
      ...(interrupted ? { interrupted: true } : {}),
    };
    epochs.push(record);
    onEpoch?.(record);
  }
  if (interrupted || final === undefined) final = evaluate(model, testSet);
  const cut = stopped && (interrupted || epochs.length < config.epochs);
  return { model, epochs, interrupted: cut, final, seconds: (now() - started) / 1000 };
}
