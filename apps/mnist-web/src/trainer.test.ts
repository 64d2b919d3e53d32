import type { MnistSplit } from '@nabla/data';
import { loadMnist } from '@nabla/data/node';
import { getOptimizerFactory } from '@nabla/optimizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { train as cliTrain } from '../../mnist-demo/src/train.js';
import type { EpochReport, TrainSettings } from './protocol.js';
import { evaluate, firstItems, probabilities, type TrainHooks, train } from './trainer.js';

const SETTINGS: TrainSettings = {
  hidden: 32,
  epochs: 2,
  batchSize: 64,
  lr: 0.003,
  optimizer: 'adam',
  schedule: 'cosine',
  seed: 5,
  trainLimit: 2000,
};

let data: { train: MnistSplit; test: MnistSplit };
beforeAll(async () => {
  const mnist = await loadMnist();
  data = { train: mnist.train, test: firstItems(mnist.test, 1000) };
});

/** Hooks on a fake clock: 1 ms per reading, and every pause 1,000 s long. */
function recorder(): { hooks: TrainHooks; epochs: EpochReport[]; seen: number[]; pauses: number } {
  let clock = 0;
  const out = { epochs: [] as EpochReport[], seen: [] as number[], pauses: 0 };
  const hooks: TrainHooks = {
    progress: (p) => out.seen.push(p.seen),
    epoch: (r) => out.epochs.push(r),
    between: async () => {
      clock += 1_000_000;
      out.pauses++;
    },
    now: () => ++clock,
  };
  return Object.assign(out, { hooks });
}

describe('train (the worker loop, run in Node)', () => {
  it('trains the same weights as the CLI for the same settings, bit for bit', async () => {
    const rec = recorder();
    const web = await train(SETTINGS, data, rec.hooks, undefined, {
      yieldEvery: 5,
      reportEvery: 3,
    });
    const cli = await cliTrain({
      config: { ...SETTINGS, schedule: 'cosine' },
      train: firstItems(data.train, SETTINGS.trainLimit),
      test: data.test,
      optimizerFactory: getOptimizerFactory('adam'),
    });
    const ours = web.model.net.stateDict();
    const theirs = cli.model.net.stateDict();
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    for (const [name, t] of Object.entries(theirs)) {
      expect(Array.from(ours[name]?.data ?? []), name).toEqual(Array.from(t.data));
    }
    expect(web.evaluation.accuracy).toBe(cli.final.accuracy);
    expect(web.evaluation.accuracy).toBeGreaterThan(0.7);
  });

  it('reports progress and epochs; samples/s leaves out the time spent paused', async () => {
    const rec = recorder();
    await train(SETTINGS, data, rec.hooks, undefined, { yieldEvery: 5, reportEvery: 3 });
    expect(rec.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(rec.pauses).toBeGreaterThan(4);
    // Each epoch's running count rises to the 2,000 training images.
    expect(rec.seen.filter((s) => s === 2000)).toHaveLength(2);
    for (const e of rec.epochs) {
      // Counting the 1,000-s pauses would give < 1 sample/s; the fake clock gives 1 ms a reading.
      expect(e.samplesPerSecond).toBeGreaterThan(1000);
      expect(e.testAccuracy).toBeGreaterThan(0.5);
    }
    expect(rec.epochs[1]?.lr).toBeLessThan(SETTINGS.lr);
  });

  it('names a diverging run', async () => {
    const rec = recorder();
    await expect(
      train(
        { ...SETTINGS, optimizer: 'sgd', schedule: 'constant', lr: 1e30, epochs: 1 },
        data,
        rec.hooks,
      ),
    ).rejects.toThrow(
      /^training diverged at epoch 1, sample \d+ \(lr 1e\+30; try a smaller learning rate\): /,
    );
  });
});

describe('evaluate and probabilities', () => {
  it('give a confusion matrix over the split and probabilities that agree with it', async () => {
    const { model } = await train({ ...SETTINGS, epochs: 1 }, data, recorder().hooks);
    const result = evaluate(model, data.test);
    expect(result.samples).toBe(1000);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1000);
    const diagonal = result.confusion.reduce((s, row, i) => s + (row[i] as number), 0);
    expect(result.accuracy).toBe(diagonal / 1000);
    // Row sums are the label counts of the split.
    const counts = new Array<number>(10).fill(0);
    for (const l of data.test.labels) counts[l] = (counts[l] as number) + 1;
    expect(result.confusion.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(counts);
    // Image by image, the arg-max of `probabilities` lands in the matrix where evaluate put it.
    const rebuilt = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 1000; i++) {
      const pixels = Float32Array.from(
        data.test.images.subarray(i * 784, (i + 1) * 784),
        (v) => v / 255,
      );
      const p = probabilities(model, pixels);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      const row = rebuilt[data.test.labels[i] as number] as number[];
      const guess = p.indexOf(Math.max(...p));
      row[guess] = (row[guess] as number) + 1;
    }
    expect(rebuilt).toEqual(result.confusion);
  });
});
