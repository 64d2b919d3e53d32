import { DataLoader, type MnistBatch, MnistDataset, Subset } from '@nabla/data';
import {
  type BackwardOptions,
  BatchNorm2d,
  Conv2d,
  Flatten,
  type Layer,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from '@nabla/layers';
import { SoftmaxCrossEntropy } from '@nabla/losses';
import { SGD } from '@nabla/optimizers';
import { backendName, createRng, getThreads, type Rng, setThreads } from '@nabla/tensor';
import type { TrainingData } from './mnist.js';
import type { TrainingConfig } from './training-config.js';
import type { RunnerFactory, TrainingRunner } from './training-runner.js';

/**
 * Nabla's training loop as a user writes it: `Sequential` of `Linear` + `ReLU`, the fused
 * softmax cross-entropy, `SGD`, and a shuffling `DataLoader` over the MNIST bytes (batches are
 * converted to float32 inside the timed loop, as `model.fit` slices its tensors inside its own).
 */
export function nablaRunner(threads: number | 'auto'): RunnerFactory {
  return async (config, data) => nablaTraining(config, data, threads);
}

function mlpLayers(sizes: readonly number[], rng: Rng): Layer<'float32'>[] {
  const layers: Layer<'float32'>[] = [];
  for (let i = 1; i < sizes.length; i++) {
    if (i > 1) layers.push(new ReLU<'float32'>());
    layers.push(new Linear(sizes[i - 1] as number, sizes[i] as number, { rng }));
  }
  return layers;
}

/** The demo's CNN (`CNN_DESCRIPTION`) on [n, 1, 28, 28] batches. */
function cnnLayers(rng: Rng): Layer<'float32'>[] {
  return [
    new Conv2d(1, 32, 5, { rng }),
    new BatchNorm2d(32),
    new MaxPool2d(2),
    new ReLU(),
    new Conv2d(32, 64, 5, { rng }),
    new BatchNorm2d(64),
    new MaxPool2d(2),
    new ReLU(),
    new Flatten(),
    new Linear(64 * 4 * 4, 10, { rng }),
  ];
}

async function nablaTraining(
  config: TrainingConfig,
  data: TrainingData,
  threads: number | 'auto',
): Promise<TrainingRunner> {
  setThreads(threads);
  const rng = createRng(1);
  const cnn = config.model === 'cnn';
  const model = new Sequential<'float32'>(...(cnn ? cnnLayers(rng) : mlpLayers(config.sizes, rng)));
  const loss = new SoftmaxCrossEntropy();
  const optimizer = new SGD(model.parameters(), { lr: config.lr });
  const dataset = new MnistDataset(data.split, { resident: true, nchw: cnn });
  let loader: { samples: number; loader: DataLoader<MnistBatch> } | undefined;
  const ctx = { training: true };
  // The first layer's input gradient is not needed: skip that product, as a tuned loop would.
  const backwardOptions: BackwardOptions = { inputGrad: false };
  const count = getThreads();
  return {
    system: `nabla-${backendName()}${threads === 1 ? '-1t' : ''}`,
    info: `nabla (${backendName()} kernels, ${count} thread${count > 1 ? 's' : ''}), Sequential + SoftmaxCrossEntropy + SGD + DataLoader`,
    async epoch(samples) {
      setThreads(threads);
      if (loader?.samples !== samples) {
        const source =
          samples === dataset.length
            ? dataset
            : new Subset(
                dataset,
                Array.from({ length: samples }, (_, i) => i),
              );
        loader = {
          samples,
          loader: new DataLoader(source, { batchSize: config.batchSize, shuffle: true, seed: 1 }),
        };
      }
      const start = performance.now();
      for (const { x, y } of loader.loader) {
        const logits = model.forward(x, ctx);
        model.backward(loss.compute(logits, y).grad, backwardOptions);
        optimizer.step();
      }
      return (performance.now() - start) / 1000;
    },
    dispose() {
      setThreads('auto');
    },
  };
}
