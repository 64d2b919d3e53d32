import { Linear, ReLU, Sequential } from '@nabla/layers';
import { createRng, decodeSafetensors, encodeSafetensors, type Tensor } from '@nabla/tensor';

/** Pixels per MNIST image (28 × 28) and the number of classes. */
export const INPUTS = 784;
export const CLASSES = 10;
/** The `format` metadata of the CLI's checkpoints (apps/mnist-demo), so files go both ways. */
export const CHECKPOINT_FORMAT = 'nabla-mnist-mlp';

/** The demo's network: Linear(784→H) → ReLU → Linear(H→10); parameters 0.weight … 2.bias. */
export interface Mlp {
  readonly hidden: number;
  readonly net: Sequential<'float32'>;
}

/** A freshly initialised network, He-normal weights from `createRng(seed)` as in the CLI. */
export function createMlp(hidden: number, seed: number): Mlp {
  const rng = createRng(seed);
  const net = new Sequential<'float32'>(
    new Linear(INPUTS, hidden, { rng }),
    new ReLU(),
    new Linear(hidden, CLASSES, { rng }),
  );
  return { hidden, net };
}

/** The safetensors bytes of a model, with the same metadata as the CLI's checkpoints. */
export function encodeModel(
  model: Mlp,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return encodeSafetensors(model.net.stateDict(), {
    ...metadata,
    format: CHECKPOINT_FORMAT,
    architecture: `Linear(${INPUTS}→${model.hidden}) → ReLU → Linear(${model.hidden}→${CLASSES})`,
    hidden: String(model.hidden),
  });
}

/** A model holding the weights of a safetensors file; errors name `source` and what is wrong. */
export function decodeModel(bytes: Uint8Array, source: string): Mlp {
  let tensors: Record<string, Tensor>;
  let metadata: Record<string, string>;
  try {
    ({ tensors, metadata } = decodeSafetensors(bytes));
  } catch (e) {
    throw new Error(`${source}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (metadata.format !== undefined && metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(
      `${source}: metadata format is ${JSON.stringify(metadata.format)}, not ${CHECKPOINT_FORMAT}`,
    );
  }
  const first = tensors['0.weight'];
  if (first === undefined || first.shape.length !== 2 || first.shape[0] !== INPUTS) {
    throw new Error(
      `${source}: expected a tensor "0.weight" of shape [${INPUTS},H], got ${first === undefined ? 'none' : `[${first.shape.join(',')}]`} (tensors: ${Object.keys(tensors).join(', ') || 'none'})`,
    );
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32')
      throw new Error(`${source}: tensor "${name}" is ${t.dtype}, not float32`);
  }
  const model = createMlp(first.shape[1] as number, 0);
  try {
    model.net.loadStateDict(tensors as Record<string, Tensor<'float32'>>);
  } catch (e) {
    throw new Error(`${source}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return model;
}
