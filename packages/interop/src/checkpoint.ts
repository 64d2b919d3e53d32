import type { Layer } from '@nabla/layers';
import type { FloatDType, Tensor } from '@nabla/tensor';
import { decodeSafetensors, encodeSafetensors } from '@nabla/tensor';
import { fromTorchStateDict, toTorchStateDict } from './torch-layout.js';

/**
 * The layout of the weights in a checkpoint: `nabla` keeps a Linear's W as [in, out]
 * (y = xW + b); `torch` as PyTorch's `nn.Linear.weight`, [out, in] (y = xWᵀ + b).
 */
export type WeightLayout = 'nabla' | 'torch';

/** The `__metadata__` key of a safetensors file that records its `WeightLayout`. */
export const LAYOUT_METADATA_KEY = 'layout';

const LAYOUTS: readonly WeightLayout[] = ['nabla', 'torch'];

/** A checkpoint whose layout is unknown, contradicts what the caller said, or does not fit the model. */
export class CheckpointLayoutError extends Error {
  override readonly name = 'CheckpointLayoutError';
}

/** Options of `encodeCheckpoint`. */
export interface EncodeCheckpointOptions {
  /** The layout to write the weights in (default `nabla`); recorded in `__metadata__.layout`. */
  layout?: WeightLayout | undefined;
  /** Further `__metadata__` strings (`layout` is set by `layout`). */
  metadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * A model's weights as safetensors bytes, in Nabla's or PyTorch's layout, with the layout
 * recorded in `__metadata__` so that no reader has to guess it.
 *
 * @example
 * await writeFile('model.safetensors', encodeCheckpoint(model, { layout: 'torch' }));
 */
export function encodeCheckpoint<D extends FloatDType>(
  model: Layer<D>,
  options: EncodeCheckpointOptions = {},
): Uint8Array {
  const layout = options.layout ?? 'nabla';
  if (!LAYOUTS.includes(layout)) {
    throw new RangeError(
      `encodeCheckpoint: layout must be 'nabla' or 'torch', got ${JSON.stringify(layout)}`,
    );
  }
  const state = layout === 'torch' ? toTorchStateDict(model) : model.stateDict();
  return encodeSafetensors(state, { ...options.metadata, [LAYOUT_METADATA_KEY]: layout });
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /**
   * The layout of the file's weights. Required when the file does not record one (a file written
   * by PyTorch's `safetensors.torch.save_file`, say) and when it records `torch`: a square
   * Linear would otherwise load transposed weights without any shape error. If the file records
   * a layout, this must agree with it.
   */
  layout?: WeightLayout | undefined;
  /** Names the file in error messages (default `checkpoint`). */
  source?: string | undefined;
}

/**
 * The layout a checkpoint's weights are in: the one its metadata records, checked against the
 * one the caller states. Throws a `CheckpointLayoutError` if neither says, if they disagree, if
 * the file records something unknown, or if the file is in PyTorch's layout and the caller did
 * not say so.
 */
export function checkpointLayout(
  metadata: Readonly<Record<string, string>>,
  options: LoadCheckpointOptions = {},
): WeightLayout {
  const source = options.source ?? 'checkpoint';
  const stated = options.layout;
  if (stated !== undefined && !LAYOUTS.includes(stated)) {
    throw new RangeError(
      `${source}: layout must be 'nabla' or 'torch', got ${JSON.stringify(stated)}`,
    );
  }
  const recorded = metadata[LAYOUT_METADATA_KEY];
  if (recorded !== undefined && !(LAYOUTS as readonly string[]).includes(recorded)) {
    throw new CheckpointLayoutError(
      `${source}: __metadata__.${LAYOUT_METADATA_KEY} is ${JSON.stringify(recorded)}, expected "nabla" or "torch"`,
    );
  }
  if (recorded === undefined && stated === undefined) {
    throw new CheckpointLayoutError(
      `${source}: the file does not record its weight layout (no __metadata__.${LAYOUT_METADATA_KEY}); say which it is: layout 'torch' for PyTorch's [out, in] Linear weights, 'nabla' for Nabla's [in, out]`,
    );
  }
  if (recorded !== undefined && stated !== undefined && recorded !== stated) {
    throw new CheckpointLayoutError(
      `${source}: the file records layout "${recorded}" but layout "${stated}" was given`,
    );
  }
  if (recorded === 'torch' && stated === undefined) {
    throw new CheckpointLayoutError(
      `${source}: the file holds PyTorch-layout weights (Linear W as [out, in]); pass layout 'torch' to convert them when loading`,
    );
  }
  return (recorded ?? stated) as WeightLayout;
}

/**
 * Loads safetensors bytes into `model` (all or nothing), converting from PyTorch's layout when
 * the file is in it. See `checkpointLayout` for when `options.layout` is required. Returns the
 * file's metadata and the layout it was read in.
 *
 * @example
 * loadCheckpoint(model, await readFile('torch.safetensors'), { layout: 'torch' });
 */
export function loadCheckpoint(
  model: Layer,
  bytes: Uint8Array,
  options: LoadCheckpointOptions = {},
): { metadata: Record<string, string>; layout: WeightLayout } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const layout = checkpointLayout(metadata, options);
  const floats = tensors as Record<string, Tensor<FloatDType>>;
  try {
    model.loadStateDict(layout === 'torch' ? fromTorchStateDict(model, floats) : floats);
  } catch (e) {
    if (e instanceof Error)
      e.message = `${options.source ?? 'checkpoint'} (layout ${layout}): ${e.message}`;
    throw e;
  }
  return { metadata, layout };
}
