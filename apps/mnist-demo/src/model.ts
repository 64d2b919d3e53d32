import type { MnistDatasetOptions } from '@nabla/data';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@nabla/layers';
import { argmax, createRng, type Rng, type Shape, type Tensor } from '@nabla/tensor';

/** Pixels per MNIST image (28 × 28) and the number of classes. */
export const INPUTS = 784;
export const CLASSES = 10;

/** The demo's two networks: `mlp` (the default) and `cnn`. */
export const MODELS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODELS)[number];

/** The CNN's channel counts after its first and second convolution. */
export const CNN_CHANNELS: readonly [number, number] = [32, 64];

/**
 * A network of the demo:
 * - `mlp`: Linear(784→H) → ReLU → Linear(H→10), on [n, 784] inputs; parameters 0.weight … 2.bias.
 * - `cnn`: Conv(1→c₁, 5×5) → MaxPool 2 → BatchNorm → ReLU → Conv(c₁→c₂, 5×5) → MaxPool 2 →
 *   BatchNorm → ReLU → Flatten → Linear(16·c₂→10), on [n, 1, 28, 28] inputs. Pooling comes
 *   first so that BatchNorm and ReLU work on 4× fewer values; the convolutions have no bias
 *   (the BatchNorm's shift replaces it).
 */
export interface DemoModel {
  readonly kind: ModelKind;
  /** The MLP's hidden width (0 for the CNN). */
  readonly hidden: number;
  /** The CNN's channels (empty for the MLP). */
  readonly channels: readonly number[];
  readonly net: Sequential<'float32'>;
}

/** A freshly initialised MLP (He-normal weights drawn from `rng`, zero biases). */
export function createMlp(hidden: number, rng: Rng = createRng(0)): DemoModel {
  const net = new Sequential<'float32'>(
    new Linear(INPUTS, hidden, { rng }),
    new ReLU(),
    new Linear(hidden, CLASSES, { rng }),
  );
  return { kind: 'mlp', hidden, channels: [], net };
}

/** A freshly initialised CNN (He-normal convolutions from `rng`, BatchNorm γ = 1, β = 0). */
export function createCnn(
  channels: readonly [number, number] = CNN_CHANNELS,
  rng: Rng = createRng(0),
): DemoModel {
  const [c1, c2] = channels;
  const net = new Sequential<'float32'>(
    new Conv2d(1, c1, 5, { rng, bias: false }),
    new MaxPool2d(2),
    new BatchNorm2d(c1),
    new ReLU(),
    new Conv2d(c1, c2, 5, { rng, bias: false }),
    new MaxPool2d(2),
    new BatchNorm2d(c2),
    new ReLU(),
    new Flatten(),
    new Linear(16 * c2, CLASSES, { rng }),
  );
  return { kind: 'cnn', hidden: 0, channels: [c1, c2], net };
}

/** The network of `kind` (`hidden` is the MLP's width; the CNN uses CNN_CHANNELS). */
export function createModel(kind: ModelKind, hidden: number, rng: Rng = createRng(0)): DemoModel {
  return kind === 'cnn' ? createCnn(CNN_CHANNELS, rng) : createMlp(hidden, rng);
}

/** A one-line description of a network, for logs and checkpoint metadata. */
export function describeModel(kind: ModelKind, hidden: number, channels = CNN_CHANNELS): string {
  if (kind === 'mlp') return `Linear(${INPUTS}→${hidden}) → ReLU → Linear(${hidden}→${CLASSES})`;
  const [c1, c2] = channels;
  return `Conv(1→${c1}, 5×5) → MaxPool 2 → BatchNorm → ReLU → Conv(${c1}→${c2}, 5×5) → MaxPool 2 → BatchNorm → ReLU → Linear(${16 * c2}→${CLASSES})`;
}

/** How the model wants its MNIST batches: flat [n, 784] for the MLP, [n, 1, 28, 28] for the CNN. */
export function datasetOptions(model: Pick<DemoModel, 'kind'>): MnistDatasetOptions {
  return model.kind === 'cnn' ? { nchw: true } : {};
}

/** The input shape of `n` images for this model. */
export function inputShape(model: Pick<DemoModel, 'kind'>, n: number): Shape {
  return model.kind === 'cnn' ? [n, 1, 28, 28] : [n, INPUTS];
}

/** Logits [n, 10] of a batch in evaluation mode (a buffer the network reuses). */
export function logits(model: DemoModel, x: Tensor<'float32'>): Tensor<'float32'> {
  return model.net.forward(x, { training: false });
}

/** The predicted class of each row of `x`. */
export function predictClasses(model: DemoModel, x: Tensor<'float32'>): Int32Array {
  const out = argmax(logits(model, x), { axis: 1 });
  return Int32Array.from(out.data);
}
