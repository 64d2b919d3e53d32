import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  checkpointLayout,
  encodeCheckpoint as encodeWithLayout,
  loadTorchStateDict,
  type WeightLayout,
} from '@nabla/interop';
import { decodeSafetensors, type Tensor } from '@nabla/tensor';
import { MAX_HIDDEN } from './args.js';
import { writeFileAtomic } from './atomic-write.js';
import { recoverOutputs } from './commit-outputs.js';
import {
  CNN_KERNEL,
  createCnn,
  createMlp,
  type DemoModel,
  describeModel,
  INPUTS,
  type ModelKind,
  nonFiniteReport,
} from './model.js';

/** A checkpoint that cannot be read or does not hold this demo's network. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The largest checkpoint read: --hidden's cap makes 51 MB; this leaves room and stops a huge file. */
export const MAX_CHECKPOINT_BYTES = 256 * 2 ** 20;
/** The demo's header is under 2 KB; anything near this is not one of its checkpoints. */
const MAX_HEADER_BYTES = 64 * 2 ** 10;

/** The format entry of the metadata, so that a file of another model is told apart. */
export const CHECKPOINT_FORMAT = 'nabla-mnist-mlp';
/** The format of a CNN checkpoint (`--model cnn`); its `channels` entry ("32,64") its widths. */
export const CNN_CHECKPOINT_FORMAT = 'nabla-mnist-cnn';
/** The widest convolution a checkpoint may hold (the demo's has 64 channels). */
export const MAX_CHANNELS = 4096;

/**
 * The safetensors bytes of a model: its state dict (the MLP's `0.weight`, `0.bias`, `2.weight`,
 * `2.bias`; the CNN's convolution weights, BatchNorm weights, biases and running statistics and
 * its Linear), in Nabla's layout (Linear W [in, out]) unless `layout` is `torch`. The metadata
 * records the layout and the architecture (`format`, and `hidden` or `channels`), so that
 * eval, predict and export rebuild the right network.
 */
export function encodeCheckpoint(
  model: DemoModel,
  metadata: Readonly<Record<string, string>> = {},
  layout: WeightLayout = 'nabla',
): Uint8Array {
  const shape: Record<string, string> =
    model.kind === 'cnn'
      ? { format: CNN_CHECKPOINT_FORMAT, channels: model.channels.join(',') }
      : { format: CHECKPOINT_FORMAT, hidden: String(model.hidden) };
  return encodeWithLayout(model.net, {
    layout,
    metadata: { ...metadata, ...shape, architecture: describeModel(model) },
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

/**
 * A fresh model holding the weights of a checkpoint's bytes; `source` names it in errors.
 * `layout` says which layout the weights are in; it is needed when the file does not record one
 * (demo checkpoints written before layouts were recorded are Nabla's) or records `torch`.
 */
export function decodeCheckpoint(
  bytes: Uint8Array,
  source = 'checkpoint',
  options: { layout?: WeightLayout | undefined } = {},
): { model: DemoModel; metadata: Record<string, string>; layout: WeightLayout } {
  let contents: ReturnType<typeof decodeSafetensors>;
  try {
    contents = decodeSafetensors(bytes, { maxHeaderBytes: MAX_HEADER_BYTES, maxTensors: 16 });
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const { tensors, metadata } = contents;
  // A file of another format is refused unless the caller vouches for it by giving its layout.
  const ours = metadata.format === CHECKPOINT_FORMAT || metadata.format === CNN_CHECKPOINT_FORMAT;
  if (metadata.format !== undefined && !ours && options.layout === undefined) {
    throw new CheckpointError(
      `${source}: metadata format is ${JSON.stringify(metadata.format)}, not ${CHECKPOINT_FORMAT} or ${CNN_CHECKPOINT_FORMAT} (give its layout to load it anyway)`,
    );
  }
  let layout: WeightLayout;
  try {
    // The demo's format has always meant W [in, out]; older files of it do not say so.
    const legacy = metadata.format === CHECKPOINT_FORMAT && metadata.layout === undefined;
    layout = checkpointLayout(legacy ? { ...metadata, layout: 'nabla' } : metadata, {
      layout: options.layout,
      source,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new CheckpointError(`${message} (command line: --layout nabla|torch)`, { cause: e });
  }
  // The architecture: what the metadata says, else (a file from elsewhere) 0.weight's rank.
  const kind: ModelKind =
    metadata.format === CNN_CHECKPOINT_FORMAT
      ? 'cnn'
      : metadata.format === CHECKPOINT_FORMAT
        ? 'mlp'
        : tensors['0.weight']?.shape.length === 4
          ? 'cnn'
          : 'mlp';
  const names = listNames(Object.keys(tensors));
  const model =
    kind === 'cnn'
      ? createCnn(cnnChannels(tensors, metadata, source, names))
      : createMlp(mlpHidden(tensors, metadata, layout, source, names));
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') {
      throw new CheckpointError(
        `${source}: tensor "${name}" is ${t.dtype}; the demo's weights are float32`,
      );
    }
  }
  const bad = nonFiniteReport(tensors as Record<string, Tensor<'float32'>>);
  if (bad !== undefined) {
    throw new CheckpointError(`${source}: the weights are not finite: ${bad}`);
  }
  try {
    const state = tensors as Record<string, Tensor<'float32'>>;
    if (layout === 'torch') loadTorchStateDict(model.net, state);
    else model.net.loadStateDict(state);
  } catch (e) {
    throw new CheckpointError(`${source}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  return { model, metadata, layout };
}

/** Loads a checkpoint file into a fresh model (see `decodeCheckpoint` for `layout`). */
export async function loadCheckpoint(
  path: string,
  options: { layout?: WeightLayout | undefined } = {},
): Promise<{ model: DemoModel; metadata: Record<string, string>; layout: WeightLayout }> {
  let bytes: Uint8Array;
  try {
    // A run killed between the renames of its outputs is finished first (no mixed runs).
    await recoverOutputs(dirname(path)).catch(() => undefined);
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_CHECKPOINT_BYTES) {
        throw new CheckpointError(
          `checkpoint ${path} is ${size} bytes, over the demo's limit of ${MAX_CHECKPOINT_BYTES} bytes`,
        );
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      code === 'ENOENT'
        ? `checkpoint ${path} does not exist`
        : `cannot read checkpoint ${path}: ${String(e)}`,
      { cause: e },
    );
  }
  return decodeCheckpoint(bytes, `checkpoint ${path}`, options);
}

/** The MLP's hidden width from the shape of "0.weight", checked against the metadata. */
function mlpHidden(
  tensors: Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>>,
  layout: WeightLayout,
  source: string,
  names: string,
): number {
  const first = tensors['0.weight'];
  const want = layout === 'torch' ? `[H,${INPUTS}]` : `[${INPUTS},H]`;
  const inputAxis = layout === 'torch' ? 1 : 0;
  if (first === undefined || first.shape.length !== 2 || first.shape[inputAxis] !== INPUTS) {
    throw new CheckpointError(
      `${source}: expected a tensor "0.weight" of shape ${want} (layout ${layout}), got ${first === undefined ? 'none' : `[${first.shape.join(',')}]`} (tensors: ${names})`,
    );
  }
  const hidden = first.shape[1 - inputAxis] as number;
  if (hidden < 1 || hidden > MAX_HIDDEN) {
    throw new CheckpointError(
      `${source}: "0.weight" has ${hidden} hidden units; the demo takes 1 to ${MAX_HIDDEN}`,
    );
  }
  if (metadata.hidden !== undefined && metadata.hidden !== String(hidden)) {
    throw new CheckpointError(
      `${source}: metadata says hidden ${metadata.hidden} but 0.weight has ${hidden} units`,
    );
  }
  return hidden;
}

/**
 * The CNN's channels from the shapes of its convolution weights "0.weight" [c₁, 1, 5, 5] and
 * "4.weight" [c₂, c₁, 5, 5] (the same in both layouts), checked against the metadata's "c₁,c₂".
 */
function cnnChannels(
  tensors: Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>>,
  source: string,
  names: string,
): [number, number] {
  const k = CNN_KERNEL;
  const first = tensors['0.weight']?.shape ?? [];
  const second = tensors['4.weight']?.shape ?? [];
  const c1 = first[0] ?? 0;
  const c2 = second[0] ?? 0;
  const fits = (s: readonly number[], c: number, inC: number): boolean =>
    s.length === 4 && c >= 1 && c <= MAX_CHANNELS && s[1] === inC && s[2] === k && s[3] === k;
  if (!fits(first, c1, 1) || !fits(second, c2, c1)) {
    const shown = (name: string): string => {
      const t = tensors[name];
      return t === undefined ? 'none' : `[${t.shape.join(',')}]`;
    };
    throw new CheckpointError(
      `${source}: a CNN checkpoint needs convolution weights "0.weight" [c1,1,${k},${k}] and "4.weight" [c2,c1,${k},${k}] with 1 to ${MAX_CHANNELS} channels, got ${shown('0.weight')} and ${shown('4.weight')} (tensors: ${names})`,
    );
  }
  if (metadata.channels !== undefined && metadata.channels !== `${c1},${c2}`) {
    throw new CheckpointError(
      `${source}: metadata says channels ${JSON.stringify(metadata.channels)} but the convolution weights have ${c1},${c2}`,
    );
  }
  return [c1, c2];
}

/** At most 8 names, each clipped, for an error message. */
function listNames(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const clip = (n: string): string => (n.length > 40 ? `${n.slice(0, 40)}…` : n);
  const shown = names.slice(0, 8).map(clip).join(', ');
  return names.length > 8 ? `${shown}, … (${names.length} in all)` : shown;
}
