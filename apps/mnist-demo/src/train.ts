import { DataLoader, type MnistBatch, MnistDataset, type MnistSplit } from '@nabla/data';
import { accuracy, SoftmaxCrossEntropy } from '@nabla/losses';
import { createRng, type OptimizerFactory, type Tensor } from '@nabla/tensor';
import type { TrainConfig } from './args.js';
import { type Evaluation, evaluate } from './evaluate.js';
import type { EpochRecord } from './metrics.js';
import { createModel, type DemoModel, datasetOptions, nonFiniteReport } from './model.js';
import { createSchedule } from './optimizer.js';
import type { ProgressReporter } from './progress.js';
import type { TrainingState } from './training-state.js';

/** Where a run stands when it is saved: still going, stopped by a signal, or done. */
export type RunStatus = 'running' | 'interrupted' | 'completed';

/** What is saved at every epoch end, when a signal stops the run, and at the end. */
export interface Snapshot {
  model: DemoModel;
  status: RunStatus;
  /** The epoch records so far, the cut one last (marked interrupted) when stopped mid-epoch. */
  epochs: EpochRecord[];
  /** The model on the test set now. */
  final: Evaluation;
  /** Wall time of the whole run so far (across resumptions), in seconds. */
  seconds: number;
  /** The state to resume from (without `config`, which the caller adds). */
  state: Omit<TrainingState, 'config'>;
}

export interface TrainOptions {
  config: Pick<TrainConfig, 'epochs' | 'batchSize' | 'lr' | 'hidden' | 'schedule' | 'seed'> & {
    /** The network (default `mlp`). */
    model?: TrainConfig['model'] | undefined;
  };
  train: MnistSplit;
  test: MnistSplit;
  optimizerFactory: OptimizerFactory;
  /** The name of the optimizer in errors (default "the optimizer"). */
  optimizerName?: string;
  progress?: Pick<ProgressReporter, 'startEpoch'>;
  /** Called with each finished epoch (for the per-epoch log line). */
  onEpoch?: (record: EpochRecord) => void;
  /**
   * Called at every epoch end, when stopped, and at the end, to save the run. It must read the
   * snapshot's model before its first `await` (encode it synchronously): the next epoch trains
   * while the returned promise settles (the disk writes). One call at a time: the next one waits
   * for the previous one; a failure stops the run at the next epoch end; the last one is awaited
   * before `train` returns.
   */
  onSnapshot?: (snapshot: Snapshot) => Promise<void>;
  /** Asked after every batch; true stops training there (Ctrl-C, SIGTERM). */
  shouldStop?: () => boolean;
  /** Told after every batch: the epoch (1-based) and the batches done in it. */
  onBatch?: (epoch: number, batch: number) => void;
  /** A state to continue from (`train --resume`). */
  resume?: TrainingState;
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

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Trains the network (the MLP or the CNN) with mini-batches: forward, fused softmax
 * cross-entropy, backward, optimizer step, schedule step; evaluates on the test set after every
 * epoch. Deterministic for a given seed: the initial weights come from `createRng(seed)` and the
 * shuffling from a DataLoader seeded with `seed`, whose epoch `e` order depends only on
 * (seed, e). So a run resumed from a
 * {@link TrainingState} (weights and running statistics, optimizer and schedule state, epoch and
 * batch) replays the same
 * batches and ends with the same weights bit for bit as a run that was never stopped.
 *
 * Non-finite weights are refused before anything is saved: a run whose step made a weight NaN or
 * infinite throws "training diverged" instead of reporting a completed run.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, progress, onEpoch, onSnapshot, resume, shouldStop = () => false } = options;
  const optimizerName = options.optimizerName ?? 'the optimizer';
  const now = options.now ?? (() => performance.now());
  const started = now();
  const model = createModel(config.model ?? 'mlp', config.hidden, createRng(config.seed));
  // Training batches in the engine's memory (the first product reads them where they are). Not
  // `precompute`: converting the 60,000 images up front touches 188 MB of fresh memory, which
  // costs more here (~0.7 s on a VM) than converting each batch's bytes on the SIMD kernel.
  const trainSet = new MnistDataset(options.train, { ...datasetOptions(model), resident: true });
  const testSet = new MnistDataset(options.test, datasetOptions(model));
  const loader = new DataLoader<MnistBatch>(trainSet, {
    batchSize: config.batchSize,
    shuffle: true,
    seed: config.seed,
  });
  let optimizer: ReturnType<OptimizerFactory>;
  try {
    optimizer = options.optimizerFactory(model.net.parameters(), { lr: config.lr });
  } catch (e) {
    throw new Error(`${optimizerName} with --lr ${config.lr} could not be created: ${message(e)}`, {
      cause: e,
    });
  }
  let schedule: ReturnType<typeof createSchedule>;
  try {
    schedule = createSchedule(config.schedule, optimizer, config.epochs, loader.length);
  } catch (e) {
    throw new Error(`--lr ${config.lr} with --schedule ${config.schedule}: ${message(e)}`, {
      cause: e,
    });
  }
  const priorSeconds = resume?.seconds ?? 0;
  if (resume !== undefined) {
    const bad = nonFiniteReport(resume.weights);
    if (bad !== undefined) throw new Error(`the saved state's weights are not finite: ${bad}`);
    try {
      model.net.loadStateDict(resume.weights);
      optimizer.loadStateDict(resume.optimizer);
      if (resume.scheduler !== null) schedule.scheduler?.loadStateDict(resume.scheduler);
    } catch (e) {
      throw new Error(`the saved training state does not fit this run: ${message(e)}`, {
        cause: e,
      });
    }
  }
  const elapsed = (): number => priorSeconds + (now() - started) / 1000;
  const epochs: EpochRecord[] = resume === undefined ? [] : [...resume.epochs];

  // The state dict: the parameters and, for the CNN, the BatchNorm running statistics (copies).
  const weights = (): Record<string, Tensor<'float32'>> => ({ ...model.net.stateDict() });
  const checkFinite = (where: string): void => {
    const bad = nonFiniteReport(model.net.stateDict());
    if (bad !== undefined) {
      throw new Error(
        `training diverged ${where} (lr ${optimizer.lr}; try a smaller --lr): the weights are no longer finite: ${bad}`,
      );
    }
  };

  // The snapshot being written (at most one), and why the last write failed.
  let writing: Promise<void> | undefined;
  let writeError: unknown;
  const settle = async (): Promise<void> => {
    await writing;
    writing = undefined;
    if (writeError !== undefined) throw writeError;
  };

  let stopped = false;
  let interrupted = false;
  let final: Evaluation | undefined;
  const lossFn = new SoftmaxCrossEntropy(); // reuses its gradient buffer across steps
  let epoch = resume?.epoch ?? 1;
  try {
    for (; epoch <= config.epochs && !stopped; epoch++) {
      const epochStart = now();
      const lr = optimizer.lr;
      const bar = progress?.startEpoch(epoch, config.epochs, trainSet.length);
      const from = epoch === resume?.epoch ? resume : undefined;
      let lossSum = from?.lossSum ?? 0;
      let correct = from?.correct ?? 0;
      let seen = from?.seen ?? 0;
      let batch = 0;
      const skip = from?.batch ?? 0;
      for (const { x, y } of loader.epoch(epoch - 1)) {
        if (batch < skip) {
          batch++;
          continue;
        }
        const logits = model.net.forward(x, { training: true });
        let step: ReturnType<typeof lossFn.compute<'float32'>>;
        try {
          step = lossFn.compute(logits, y);
        } catch (e) {
          bar?.stop();
          throw new Error(
            `training diverged at epoch ${epoch}, sample ${seen} (lr ${optimizer.lr}; try a smaller --lr): ${message(e)}`,
            { cause: e },
          );
        }
        correct += Math.round(accuracy(logits, y) * y.size);
        // The input is data: the first layer need not compute ∂L/∂X.
        model.net.backward(step.grad, { inputGrad: false });
        optimizer.step();
        schedule.afterBatch();
        lossSum += step.loss * y.size;
        seen += y.size;
        batch++;
        bar?.update(seen, lossSum / seen);
        options.onBatch?.(epoch, batch);
        await tick();
        if (shouldStop()) {
          stopped = true;
          break;
        }
      }
      bar?.stop();
      checkFinite(`in epoch ${epoch} (after ${seen} samples)`);
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
      onEpoch?.(record);
      const state = {
        epoch: complete ? epoch + 1 : epoch,
        batch: complete ? 0 : batch,
        lossSum: complete ? 0 : lossSum,
        correct: complete ? 0 : correct,
        seen: complete ? 0 : seen,
        epochs: complete ? [...epochs, record] : [...epochs],
        seconds: elapsed(),
        weights: weights(),
        optimizer: optimizer.stateDict(),
        scheduler: schedule.scheduler?.stateDict() ?? null,
      };
      epochs.push(record);
      if (interrupted || final === undefined) final = evaluate(model, testSet);
      const last = complete && epoch === config.epochs;
      const status: RunStatus = last ? 'completed' : stopped ? 'interrupted' : 'running';
      await settle();
      const snapshot = { model, status, epochs: [...epochs], final, seconds: elapsed(), state };
      writing = onSnapshot?.(snapshot).catch((e: unknown) => {
        writeError = e;
      });
    }
  } catch (e) {
    // A write in progress finishes first, so that the error leaves whole files behind.
    await writing;
    throw e;
  }
  await settle();
  if (final === undefined) {
    // A resumed run that had already finished: nothing left to train.
    checkFinite('before the first epoch');
    final = evaluate(model, testSet);
  }
  const cut = stopped && (interrupted || epochs.length < config.epochs);
  return { model, epochs, interrupted: cut, final, seconds: elapsed() };
}
