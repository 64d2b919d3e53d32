import { readFile } from 'node:fs/promises';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '@nabla/tensor';
import { writeFileAtomic } from './atomic-write.js';
import { CLASSES, createMlp, INPUTS, type Mlp } from './model.js';

/** A checkpoint that cannot be read or does not hold this demo's network. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The `format` entry of the metadata, so that a file of another model is told apart. */
export const CHECKPOINT_FORMAT = 'nabla-mnist-mlp';

/** The safetensors bytes of a model: its state dict (`0.weight`, `0.bias`, `2.weight`, `2.bias`). */
export function encodeCheckpoint(
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

/** Saves a model as safetensors, atomically (temp file + fsync + rename). */
export async function saveCheckpoint(
  path: string,
  model: Mlp,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(model, metadata));
}

/** A fresh model holding the weights of a checkpoint's bytes; `source` names it in errors. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  source = 'checkpoint',
): { model: Mlp; metadata: Record<string, string> } {
  let contents: ReturnType<typeof decodeSafetensors>;
  try {
    contents = decodeSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const { tensors, metadata } = contents;
  if (metadata.format !== undefined && metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${source}: metadata format is ${JSON.stringify(metadata.format)}, not ${CHECKPOINT_FORMAT}`,
    );
  }
  const first = tensors['0.weight'];
  if (first === undefined || first.shape.length !== 2 || first.shape[0] !== INPUTS) {
    throw new CheckpointError(
      `${source}: expected a tensor "0.weight" of shape [${INPUTS},H], got ${first === undefined ? 'none' : `[${first.shape.join(',')}]`} (tensors: ${Object.keys(tensors).join(', ') || 'none'})`,
    );
  }
  const hidden = first.shape[1] as number;
  if (metadata.hidden !== undefined && metadata.hidden !== String(hidden)) {
    throw new CheckpointError(
      `${source}: metadata says hidden ${metadata.hidden} but 0.weight has ${hidden} columns`,
    );
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') {
      throw new CheckpointError(
        `${source}: tensor "${name}" is ${t.dtype}; the demo's weights are float32`,
      );
    }
  }
  const model = createMlp(hidden);
  try {
    model.net.loadStateDict(tensors as Record<string, Tensor<'float32'>>);
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return { model, metadata };
}

/** Loads a checkpoint file into a fresh model. */
export async function loadCheckpoint(
  path: string,
): Promise<{ model: Mlp; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT'
        ? `checkpoint ${path} does not exist`
        : `cannot read checkpoint ${path}: ${String(e)}`,
      { cause: e },
    );
  }
  return decodeCheckpoint(bytes, `checkpoint ${path}`);
}
