import { DataLoader, type MnistBatch, MnistDataset, type MnistSplit } from '@nabla/data';
import { accuracy, SoftmaxCrossEntropy } from '@nabla/losses';
import { getOptimizerFactory } from '@nabla/optimizers';
import { argmax, Tensor } from '@nabla/tensor';
import { CLASSES, createMlp, INPUTS, type Mlp } from './model.js';
import type { EpochReport, Evaluation, TrainSettings } from './protocol.js';
import { createSchedule } from './schedule.js';

const TRAINING = Object.freeze({ training: true });
const EVALUATION = Object.freeze({ training: false });
const SKIP_INPUT_GRAD = Object.freeze({ inputGrad: false });

/** The first `n` items of a split (views, no copy). */
export function firstItems(split: MnistSplit, n: number): MnistSplit {
  if (n >= split.length) return split;
  const pixels = split.height * split.width;
  return {
    images: split.images.subarray(0, n * pixels),
    labels: split.labels.subarray(0, n),
    length: n,
    height: split.height,
    width: split.width,
  };
}

/** Accuracy and confusion matrix of `model` on a whole split, in batches of 1,000. */
export function evaluate(model: Mlp, split: MnistSplit): Evaluation {
  const data = new MnistDataset(split);
  const confusion = Array.from({ length: CLASSES }, () => new Array<number>(CLASSES).fill(0));
  let correct = 0;
  for (const { x, y } of new DataLoader<MnistBatch>(data, { batchSize: 1000 })) {
    const predicted = argmax(model.net.forward(x, EVALUATION), { axis: 1 }).data;
    for (let i = 0; i < predicted.length; i++) {
      const truth = y.data[i] as number;
      const guess = predicted[i] as number;
      const row = confusion[truth] as number[];
      row[guess] = (row[guess] as number) + 1;
      if (truth === guess) correct++;
    }
  }
  return { accuracy: correct / split.length, confusion, samples: split.length };
}

/** Class probabilities of one 784-pixel input. */
export function probabilities(model: Mlp, pixels: Float32Array): number[] {
  const logits = model.net.forward(new Tensor('float32', pixels, [1, INPUTS]), EVALUATION).data;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** How the loop talks to its host (the worker): progress out, pauses and yields in. */
export interface TrainHooks {
  /** Running figures of the epoch, called every `reportEvery` ms. */
  progress(p: {
    epoch: number;
    seen: number;
    total: number;
    samplesPerSecond: number;
    loss: number;
    accuracy: number;
  }): void;
  epoch(report: EpochReport): void;
  /**
   * Awaited between batches every `yieldEvery` ms: lets the worker read its messages, and holds
   * the loop while the user has stopped it (that time is not counted in samples/s).
   */
  between(): Promise<void>;
  now(): number;
}

/**
 * Trains the demo's network as the CLI does (seeded weights and shuffling, fused softmax
 * cross-entropy, the chosen optimizer and schedule), evaluating on the test split after each
 * epoch. Returns the model and the final evaluation.
 */
export async function train(
  settings: TrainSettings,
  data: { train: MnistSplit; test: MnistSplit },
  hooks: TrainHooks,
  onModel: (model: Mlp) => void = () => {},
  timing: { yieldEvery: number; reportEvery: number } = { yieldEvery: 15, reportEvery: 200 },
): Promise<{ model: Mlp; evaluation: Evaluation }> {
  const trainSplit = firstItems(data.train, settings.trainLimit);
  const model = createMlp(settings.hidden, settings.seed);
  onModel(model);
  const loader = new DataLoader<MnistBatch>(new MnistDataset(trainSplit, { resident: true }), {
    batchSize: settings.batchSize,
    shuffle: true,
    seed: settings.seed,
  });
  const optimizer = getOptimizerFactory(settings.optimizer)(model.net.parameters(), {
    lr: settings.lr,
  });
  const schedule = createSchedule(settings.schedule, optimizer, settings.epochs, loader.length);
  const lossFn = new SoftmaxCrossEntropy();
  let evaluation: Evaluation | undefined;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const lr = optimizer.lr;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let busy = 0; // ms spent training (pauses and yields excluded)
    let lastYield = hooks.now();
    let lastReport = lastYield;
    let sliceStart = lastYield;
    for (const { x, y } of loader.epoch(epoch - 1)) {
      const logits = model.net.forward(x, TRAINING);
      let step: ReturnType<typeof lossFn.compute<'float32'>>;
      try {
        step = lossFn.compute(logits, y);
        if (!Number.isFinite(step.loss)) throw new Error(`the loss is ${step.loss}`);
      } catch (e) {
        throw new Error(
          `training diverged at epoch ${epoch}, sample ${seen} (lr ${optimizer.lr}; try a smaller learning rate): ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      correct += Math.round(accuracy(logits, y) * y.size);
      model.net.backward(step.grad, SKIP_INPUT_GRAD);
      optimizer.step();
      schedule.afterBatch();
      lossSum += step.loss * y.size;
      seen += y.size;
      const t = hooks.now();
      if (t - lastReport >= timing.reportEvery || seen === trainSplit.length) {
        lastReport = t;
        const elapsed = busy + (t - sliceStart);
        hooks.progress({
          epoch,
          seen,
          total: trainSplit.length,
          samplesPerSecond: elapsed > 0 ? (seen * 1000) / elapsed : 0,
          loss: lossSum / seen,
          accuracy: correct / seen,
        });
      }
      if (t - lastYield >= timing.yieldEvery) {
        busy += t - sliceStart;
        await hooks.between();
        lastYield = hooks.now();
        sliceStart = lastYield;
      }
    }
    busy += hooks.now() - sliceStart;
    evaluation = evaluate(model, data.test);
    schedule.afterEpoch();
    hooks.epoch({
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy: evaluation.accuracy,
      lr,
      samplesPerSecond: busy > 0 ? (seen * 1000) / busy : 0,
    });
    await hooks.between();
  }
  evaluation ??= evaluate(model, data.test);
  return { model, evaluation };
}
