import { readFile } from 'node:fs/promises';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '@nabla/tensor';
import { writeFileAtomic } from './atomic-write.js';
import { createCnn, createMlp, type DemoModel, describeModel, INPUTS } from './model.js';

/** A checkpoint that cannot be read or does not hold this demo's network. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The `format` entry of the metadata, so that a file of another model is told apart. */
export const CHECKPOINT_FORMAT = 'nabla-mnist-mlp';
/** The `format` of a CNN checkpoint; its `channels` entry ("32,64") gives the architecture. */
export const CNN_CHECKPOINT_FORMAT = 'nabla-mnist-cnn';

/**
 * The safetensors bytes of a model: its state dict (`0.weight`, `0.bias`, `2.weight`, `2.bias`
 * for the MLP; for the CNN also the BatchNorm running statistics), with the architecture in the
 * metadata (`format`, and `hidden` or `channels`) so that eval/predict rebuild the right network.
 */
export function encodeCheckpoint(
  model: DemoModel,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const [c1 = 0, c2 = 0] = model.channels;
  const architecture: Record<string, string> =
    model.kind === 'cnn'
      ? { format: CNN_CHECKPOINT_FORMAT, channels: model.channels.join(',') }
      : { format: CHECKPOINT_FORMAT, hidden: String(model.hidden) };
  return encodeSafetensors(model.net.stateDict(), {
    ...metadata,
    ...architecture,
    architecture: describeModel(model.kind, model.hidden, [c1, c2]),
  });
}

/** Saves a model as safetensors, atomically (temp file + fsync + rename). */
export async function saveCheckpoint(
  path: string,
  model: DemoModel,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(model, metadata));
}

/** A fresh model holding the weights of a checkpoint's bytes; `source` names it in errors. */
export function decodeCheckpoint(
  bytes: Uint8Array,
  source = 'checkpoint',
): { model: DemoModel; metadata: Record<string, string> } {
  let contents: ReturnType<typeof decodeSafetensors>;
  try {
    contents = decodeSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const { tensors, metadata } = contents;
  if (
    metadata.format !== undefined &&
    metadata.format !== CHECKPOINT_FORMAT &&
    metadata.format !== CNN_CHECKPOINT_FORMAT
  ) {
    throw new CheckpointError(
      `${source}: metadata format is ${JSON.stringify(metadata.format)}, not ${CHECKPOINT_FORMAT} or ${CNN_CHECKPOINT_FORMAT}`,
    );
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') {
      throw new CheckpointError(
        `${source}: tensor "${name}" is ${t.dtype}; the demo's weights are float32`,
      );
    }
  }
  const model =
    metadata.format === CNN_CHECKPOINT_FORMAT
      ? createCnn(cnnChannels(metadata.channels, source))
      : createMlp(mlpHidden(tensors, metadata, source));
  try {
    model.net.loadStateDict(tensors as Record<string, Tensor<'float32'>>);
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return { model, metadata };
}

/** The CNN's channels from the metadata entry "c1,c2". */
function cnnChannels(entry: string | undefined, source: string): [number, number] {
  const parts = (entry ?? '').split(',').map(Number);
  if (parts.length !== 2 || !parts.every((c) => Number.isSafeInteger(c) && c > 0)) {
    throw new CheckpointError(
      `${source}: a ${CNN_CHECKPOINT_FORMAT} checkpoint needs metadata channels "c1,c2", got ${JSON.stringify(entry)}`,
    );
  }
  return [parts[0] as number, parts[1] as number];
}

/** The MLP's hidden width from the shape of "0.weight", checked against the metadata. */
function mlpHidden(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string>,
  source: string,
): number {
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
  return hidden;
}

/** Loads a checkpoint file into a fresh model. */
export async function loadCheckpoint(
  path: string,
): Promise<{ model: DemoModel; metadata: Record<string, string> }> {
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
