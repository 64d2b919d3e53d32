import { createRng, permutation } from '@nabla/tensor';
import type { TrainingData } from './mnist.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import type { TrainingConfig } from './training-config.js';
import type { TrainingRunner } from './training-runner.js';

type Tensor2D = ReturnType<typeof tf.tensor2d>;

/** The first `samples` rows of the data as TFJS tensors, rebuilt only when `samples` changes. */
function dataSlices(data: TrainingData) {
  let cached: { samples: number; x: Tensor2D; y: Tensor2D } | undefined;
  return {
    get(samples: number): { x: Tensor2D; y: Tensor2D } {
      if (cached?.samples !== samples) {
        cached?.x.dispose();
        cached?.y.dispose();
        cached = {
          samples,
          x: tf.tensor2d(data.x.subarray(0, samples * data.features), [samples, data.features]),
          y: tf.tensor2d(data.y.subarray(0, samples * data.classes), [samples, data.classes]),
        };
      }
      return cached;
    },
    dispose(): void {
      cached?.x.dispose();
      cached?.y.dispose();
      cached = undefined;
    },
  };
}

/**
 * TensorFlow.js the way its documentation trains an MLP: `tf.sequential` of dense layers (ReLU
 * hidden, softmax output), categorical cross-entropy, `tf.train.sgd(lr)`, and `model.fit` for one
 * epoch with the default shuffling.
 */
export async function tfjsFitRunner(
  backend: TfjsBackend,
  config: TrainingConfig,
  data: TrainingData,
): Promise<TrainingRunner> {
  await useTfjs(backend);
  const sizes = config.sizes;
  const model = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    const last = i === sizes.length - 1;
    model.add(
      tf.layers.dense({
        units: sizes[i] as number,
        activation: last ? 'softmax' : 'relu',
        ...(i === 1 ? { inputShape: [sizes[0] as number] } : {}),
      }),
    );
  }
  model.compile({ optimizer: tf.train.sgd(config.lr), loss: 'categoricalCrossentropy' });
  const slices = dataSlices(data);
  return {
    system: `tfjs-${backend}`,
    info: `${tfjsInfo()}, model.fit`,
    async epoch(samples) {
      const { x, y } = slices.get(samples);
      const start = performance.now();
      await model.fit(x, y, { batchSize: config.batchSize, epochs: 1, shuffle: true, verbose: 0 });
      return (performance.now() - start) / 1000;
    },
    dispose() {
      slices.dispose();
      model.dispose();
    },
  };
}

/**
 * A hand-written TensorFlow.js training loop on the wasm backend, without the Layers API: weight
 * variables, `optimizer.minimize` of the softmax cross-entropy per batch inside `tf.tidy`, batches
 * gathered from a shuffled index order. This is the fastest plain-TFJS way we know to train the
 * same network, and the fairer comparison for the kernels.
 */
export async function tfjsLoopRunner(
  config: TrainingConfig,
  data: TrainingData,
): Promise<TrainingRunner> {
  await useTfjs('wasm');
  const sizes = config.sizes;
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const fanIn = sizes[i - 1] as number;
    const fanOut = sizes[i] as number;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    weights.push(tf.variable(tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', i)));
    biases.push(tf.variable(tf.zeros([fanOut])));
  }
  const variables = [...weights, ...biases];
  const optimizer = tf.train.sgd(config.lr);
  const slices = dataSlices(data);
  const rng = createRng(7);
  return {
    system: 'tfjs-wasm-loop',
    info: `${tfjsInfo()}, hand-written loop (optimizer.minimize in tf.tidy)`,
    async epoch(samples) {
      const { x, y } = slices.get(samples);
      const order = permutation(rng, samples);
      const start = performance.now();
      for (let b = 0; b < samples; b += config.batchSize) {
        const idx = order.subarray(b, Math.min(samples, b + config.batchSize));
        tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(x, indices);
          const yb = tf.gather(y, indices);
          optimizer.minimize(
            () => {
              let h: tf.Tensor = xb;
              for (let l = 0; l < weights.length; l++) {
                const z = tf.add(tf.matMul(h, weights[l] as tf.Variable), biases[l] as tf.Variable);
                h = l === weights.length - 1 ? z : tf.relu(z);
              }
              return tf.losses.softmaxCrossEntropy(yb, h);
            },
            false,
            variables,
          );
        });
      }
      return (performance.now() - start) / 1000;
    },
    dispose() {
      slices.dispose();
      for (const v of variables) v.dispose();
      optimizer.dispose();
    },
  };
}
