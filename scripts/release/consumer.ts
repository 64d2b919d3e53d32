// A strict consumer of the published packages, type-checked by scripts/release-dry-run.mjs under
// every moduleResolution with exactOptionalPropertyTypes: options whose values come from a config
// object (`T | undefined`) must be accepted, and every entry point must resolve with its types.
import { DataLoader, MnistDataset, TensorDataset } from '@nabla/data';
import { loadMnist } from '@nabla/data/node';
import { Dropout, type Layer, LeakyReLU, Linear, ReLU, Sequential } from '@nabla/layers';
import { layerContract } from '@nabla/layers/testing';
import { mse, SoftmaxCrossEntropy, softmaxCrossEntropy } from '@nabla/losses';
import { lossContract } from '@nabla/losses/testing';
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  clipGradNorm,
  loadOptimizerFactory,
  RMSprop,
  SGD,
} from '@nabla/optimizers';
import { optimizerConformance } from '@nabla/optimizers/testing';
import {
  createRng,
  type FloatDType,
  matmul,
  normal,
  type Optimizer,
  sum,
  type Tensor,
  zeros,
} from '@nabla/tensor';
import { gradCheck } from '@nabla/tensor/testing';

/** Everything a user's config file may leave out. */
export interface Config {
  bias: boolean | undefined;
  init: 'he' | 'glorot' | undefined;
  dtype: 'float32' | undefined;
  lr: number | undefined;
  momentum: number | undefined;
  nesterov: boolean | undefined;
  weightDecay: number | undefined;
  betas: readonly [number, number] | undefined;
  amsgrad: boolean | undefined;
  labelSmoothing: number | undefined;
  negativeSlope: number | undefined;
  batchSize: number;
  shuffle: boolean | undefined;
  dropLast: boolean | undefined;
  transA: boolean | undefined;
  axis: number | undefined;
  keepdims: boolean | undefined;
  etaMin: number | undefined;
}

export function build(cfg: Config): { model: Layer; optimizers: Optimizer[] } {
  const rng = createRng(1);
  const model = new Sequential(
    new Linear(4, 8, { rng, bias: cfg.bias, init: cfg.init, dtype: cfg.dtype }),
    new LeakyReLU({ negativeSlope: cfg.negativeSlope }),
    new Dropout(0.1),
    new Linear(8, 2, { rng, bias: cfg.bias }),
    new ReLU(),
  );
  const ps = model.parameters();
  const adam = new Adam(ps, {
    lr: cfg.lr,
    betas: cfg.betas,
    amsgrad: cfg.amsgrad,
    weightDecay: cfg.weightDecay,
  });
  const optimizers: Optimizer[] = [
    adam,
    new AdamW(ps, { lr: cfg.lr, weightDecay: cfg.weightDecay }),
    new SGD(ps, { lr: cfg.lr, momentum: cfg.momentum, nesterov: cfg.nesterov }),
    new RMSprop(ps, { lr: cfg.lr, momentum: cfg.momentum }),
    new Adagrad(ps, { lr: cfg.lr, weightDecay: cfg.weightDecay }),
  ];
  new CosineAnnealingLR(adam, { tMax: 10, etaMin: cfg.etaMin });
  clipGradNorm(ps, 1);
  return { model, optimizers };
}

export function step(cfg: Config, x: Tensor<'float32'>, y: Tensor<'int32'>): number {
  const { model, optimizers } = build(cfg);
  const criterion = new SoftmaxCrossEntropy({ labelSmoothing: cfg.labelSmoothing });
  const { loss, grad } = criterion.compute(model.forward(x, { training: false }), y);
  softmaxCrossEntropy(grad, y, { labelSmoothing: cfg.labelSmoothing });
  model.backward(grad, { inputGrad: false });
  for (const o of optimizers) o.step();
  const w = zeros([4, 4]);
  matmul(x, x, { transA: cfg.transA, out: cfg.transA ? w : undefined });
  sum(x, { axis: cfg.axis, keepdims: cfg.keepdims });
  return loss + mse(grad, grad).loss;
}

export function loaders(cfg: Config, x: Tensor<'float32'>, y: Tensor<'int32'>): number {
  const loader = new DataLoader(new TensorDataset(x, y), {
    batchSize: cfg.batchSize,
    shuffle: cfg.shuffle,
    seed: 1,
    dropLast: cfg.dropLast,
  });
  return loader.length;
}

export async function mnist(): Promise<number> {
  const { train } = await loadMnist();
  return new MnistDataset(train).length;
}

export async function plugin(model: Layer): Promise<Optimizer> {
  const factory = await loadOptimizerFactory('adam', { importer: (s) => import(s) });
  return factory(model.parameters(), { lr: undefined });
}

export function contracts(): number {
  const layerChecks = layerContract({
    create: (rng) => new Linear(3, 2, { rng, dtype: 'float64' }),
    inputShapes: [[2, 3]],
  });
  const lossChecks = lossContract({
    create: () => new SoftmaxCrossEntropy(),
    inputShapes: [[2, 3]],
    target: (rng, shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
  });
  const optimizerChecks = optimizerConformance((ps, options) => new Adam(ps, options));
  const rng = createRng(0);
  const w = normal(rng, [2, 2], 0, 1, { dtype: 'float64' });
  const r = gradCheck(() => w.data.reduce((s, v) => s + v * v, 0), w, w);
  return layerChecks.length + lossChecks.length + optimizerChecks.length + r.maxRelError;
}

export type Float = FloatDType;
