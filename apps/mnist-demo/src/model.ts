import type { MnistDatasetOptions } from '@nabla/data';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '@nabla/layers';
import { argmax, createRng, type Rng, type Shape, type Tensor } from '@nabla/tensor';

/** Pixels per MNIST image (28 × 28) and the number of classes. */
export const INPUTS = 784;
export const CLASSES = 10;

/** The demo's two networks (`--model`): `mlp` (the default) and `cnn`. */
export const MODELS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODELS)[number];

/** The CNN's channel counts after its first and second convolution. */
export const CNN_CHANNELS: readonly [number, number] = [32, 64];
/** The CNN's kernel size (5×5, no padding: 28 → 24 → pool 12 → 8 → pool 4). */
export const CNN_KERNEL = 5;

/**
 * A network of the demo:
 * - `mlp`: Linear(784→H) → ReLU → Linear(H→10), on [n, 784] inputs; parameters 0.weight … 2.bias.
 * - `cnn`: Conv(1→c₁, 5×5) → MaxPool 2 → BatchNorm → ReLU → Conv(c₁→c₂, 5×5) → MaxPool 2 →
 *   BatchNorm → ReLU → Flatten → Linear(16·c₂→10), on [n, 1, 28, 28] inputs. Pooling comes
 *   first so that BatchNorm and ReLU work on 4× fewer values; the convolutions have no bias
 *   (the BatchNorm's shift replaces it). Its state dict also holds the BatchNorm running
 *   statistics (`2.running_mean`, `2.running_var`, `2.num_batches_tracked`, the same for 6).
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

/** A freshly initialised CNN (He-normal weights drawn from `rng`, BatchNorm γ = 1, β = 0). */
export function createCnn(
  channels: readonly [number, number] = CNN_CHANNELS,
  rng: Rng = createRng(0),
): DemoModel {
  const [c1, c2] = channels;
  const net = new Sequential<'float32'>(
    new Conv2d(1, c1, CNN_KERNEL, { rng, bias: false }),
    new MaxPool2d(2),
    new BatchNorm2d(c1),
    new ReLU(),
    new Conv2d(c1, c2, CNN_KERNEL, { rng, bias: false }),
    new MaxPool2d(2),
    new BatchNorm2d(c2),
    new ReLU(),
    new Flatten(),
    new Linear(16 * c2, CLASSES, { rng }),
  );
  return { kind: 'cnn', hidden: 0, channels: [c1, c2], net };
}

/** The network of `kind` (`hidden` is the MLP's width; the CNN has CNN_CHANNELS). */
export function createModel(kind: ModelKind, hidden: number, rng: Rng = createRng(0)): DemoModel {
  return kind === 'cnn' ? createCnn(CNN_CHANNELS, rng) : createMlp(hidden, rng);
}

/** A one-line description of a network, for logs, checkpoint metadata and exports. */
export function describeModel(model: Pick<DemoModel, 'kind' | 'hidden' | 'channels'>): string {
  if (model.kind === 'mlp') {
    return `Linear(${INPUTS}→${model.hidden}) → ReLU → Linear(${model.hidden}→${CLASSES})`;
  }
  const [c1, c2] = model.channels;
  const k = `${CNN_KERNEL}×${CNN_KERNEL}`;
  return `Conv(1→${c1}, ${k}) → MaxPool 2 → BatchNorm → ReLU → Conv(${c1}→${c2}, ${k}) → MaxPool 2 → BatchNorm → ReLU → Linear(${16 * (c2 ?? 0)}→${CLASSES})`;
}

/** How the model wants its MNIST batches: flat [n, 784] for the MLP, [n, 1, 28, 28] for the CNN. */
export function datasetOptions(model: Pick<DemoModel, 'kind'>): MnistDatasetOptions {
  return model.kind === 'cnn' ? { nchw: true } : {};
}

/** The shape of one sample for this model (no batch axis): [784] or [1, 28, 28]. */
export function sampleShape(model: Pick<DemoModel, 'kind'>): Shape {
  return model.kind === 'cnn' ? [1, 28, 28] : [INPUTS];
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

/**
 * Undefined when every value of every tensor is finite; otherwise a short description of the
 * first tensor that is not: its name, how many values are NaN or infinite, and the first index.
 */
export function nonFiniteReport(
  tensors: Readonly<Record<string, Tensor<'float32'>>>,
): string | undefined {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    let count = 0;
    let first = -1;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i] as number)) {
        if (first < 0) first = i;
        count++;
      }
    }
    if (count > 0) {
      return `${count} of the ${d.length} values of "${name}" are NaN or infinite (the first at index ${first}: ${d[first]})`;
    }
  }
  return undefined;
}
