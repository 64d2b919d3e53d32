import { createRng, permutation } from '@nabla/tensor';
import type { TrainingData } from './mnist.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import type { TrainingConfig } from './training-config.js';
import type { TrainingRunner } from './training-runner.js';

type Tensor2D = ReturnType<typeof tf.tensor2d>;

/**
 * The first `samples` rows of the data as TFJS tensors, rebuilt only when `samples` changes;
 * images as [samples, 784], or as [samples, 28, 28, 1] (NHWC) for a CNN.
 */
function dataSlices(data: TrainingData, images = false) {
  let cached: { samples: number; x: tf.Tensor; y: Tensor2D } | undefined;
  return {
    get(samples: number): { x: tf.Tensor; y: Tensor2D } {
      if (cached?.samples !== samples) {
        cached?.x.dispose();
        cached?.y.dispose();
        const pixels = data.x.subarray(0, samples * data.features);
        const side = Math.sqrt(data.features);
        cached = {
          samples,
          x: images
            ? tf.tensor4d(pixels, [samples, side, side, 1])
            : tf.tensor2d(pixels, [samples, data.features]),
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
  const cnn = config.model === 'cnn';
  const model = cnn ? tfjsCnn() : tf.sequential();
  for (let i = 1; i < (cnn ? 0 : sizes.length); i++) {
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
  const slices = dataSlices(data, cnn);
  return {
    system: `tfjs-${backend}`,
    info: `${tfjsInfo()}, model.fit`,
    async epoch(samples) {
      // The systems take turns, so another one may have switched TFJS's backend since.
      await useTfjs(backend);
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

/** The demo's CNN (`CNN_DESCRIPTION`) with the Layers API, on NHWC [n, 28, 28, 1] images. */
function tfjsCnn(): tf.Sequential {
  const model = tf.sequential();
  for (const [i, filters] of [32, 64].entries()) {
    model.add(
      tf.layers.conv2d({
        filters,
        kernelSize: 5,
        ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
      }),
    );
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.activation({ activation: 'relu' }));
  }
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/**
 * A hand-tuned TensorFlow.js training loop on the wasm backend: no Layers API and no autodiff, but
 * the paper's backward pass written out with TFJS ops (∇W = Xᵀ G, ∇b = 1ᵀ G, ∇X = G Wᵀ), the
 * transposes made explicit with `tf.transpose` because tfjs-wasm's matMul is many times slower
 * with a transpose flag (see the matmul table), and the SGD update done with `assign`, one batch
 * per `tf.tidy`. Batches are gathered from a shuffled order, as `model.fit` does.
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
  const lr = tf.scalar(config.lr);
  const slices = dataSlices(data);
  const rng = createRng(7);
  const step = (xb: tf.Tensor, yb: tf.Tensor, m: number): void => {
    // Forward, keeping each layer's input.
    const inputs: tf.Tensor[] = [xb];
    let h: tf.Tensor = xb;
    for (let l = 0; l < weights.length; l++) {
      const z = tf.add(tf.matMul(h, weights[l] as tf.Variable), biases[l] as tf.Variable);
      h = l === weights.length - 1 ? z : tf.relu(z);
      if (l < weights.length - 1) inputs.push(h);
    }
    // Softmax cross-entropy gradient, then backward through the layers.
    let g: tf.Tensor = tf.div(tf.sub(tf.softmax(h), yb), m);
    for (let l = weights.length - 1; l >= 0; l--) {
      const w = weights[l] as tf.Variable;
      const b = biases[l] as tf.Variable;
      const x = inputs[l] as tf.Tensor;
      const gw = tf.matMul(tf.transpose(x), g);
      const gb = tf.sum(g, 0);
      if (l > 0) g = tf.mul(tf.matMul(g, tf.transpose(w)), tf.step(x));
      w.assign(tf.sub(w, tf.mul(lr, gw)));
      b.assign(tf.sub(b, tf.mul(lr, gb)));
    }
  };
  return {
    system: 'tfjs-wasm-loop',
    info: `${tfjsInfo()}, hand-tuned loop (manual backward, explicit transposes)`,
    async epoch(samples) {
      await useTfjs('wasm');
      const { x, y } = slices.get(samples);
      const order = permutation(rng, samples);
      const start = performance.now();
      for (let b = 0; b < samples; b += config.batchSize) {
        const idx = order.subarray(b, Math.min(samples, b + config.batchSize));
        tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32');
          step(tf.gather(x, indices), tf.gather(y, indices), idx.length);
        });
      }
      return (performance.now() - start) / 1000;
    },
    dispose() {
      slices.dispose();
      for (const v of [...weights, ...biases]) v.dispose();
      lr.dispose();
    },
  };
}
