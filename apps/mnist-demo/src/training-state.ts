import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  type StateDict,
  type StateValue,
  Tensor,
} from '@nabla/tensor';
import type { EpochRecord } from './metrics.js';

/** The file beside model.safetensors that `train --resume DIR` continues from. */
export const STATE_FILE = 'training-state.safetensors';
const FORMAT = 'nabla-mnist-training-state';
/** A state file is a few times the model; 4 GiB of Adam state is far past --hidden's cap. */
const MAX_STATE_BYTES = 2 ** 31 - 1;

/** A training run stopped at a batch boundary: everything needed to continue it bit for bit. */
export interface TrainingState {
  /** The run's configuration, as the checkpoint and metrics.json record it. */
  config: Record<string, unknown>;
  /** The epoch in progress (1-based); past the last epoch when the run has finished. */
  epoch: number;
  /** Batches of `epoch` already trained (0 at an epoch boundary). */
  batch: number;
  /** The running sums of `epoch` so far (for its loss and accuracy figures). */
  lossSum: number;
  correct: number;
  seen: number;
  /** The finished epochs. */
  epochs: EpochRecord[];
  /** Training wall time so far, in seconds. */
  seconds: number;
  /** The model's state dict: its parameters and, for the CNN, the BatchNorm running statistics. */
  weights: Record<string, Tensor<'float32'>>;
  optimizer: StateDict;
  scheduler: StateDict | null;
}

/** A state file that cannot be read, or belongs to another run. */
export class TrainingStateError extends Error {
  override readonly name = 'TrainingStateError';
}

type Arrays = Record<string, Tensor>;

/** The state dict with its typed arrays moved into `arrays` (as tensors) and replaced by names. */
function flatten(value: StateValue, arrays: Arrays): unknown {
  if (
    value instanceof Float32Array ||
    value instanceof Float64Array ||
    value instanceof Int32Array
  ) {
    const name = `optimizer/${Object.keys(arrays).length}`;
    const dtype =
      value instanceof Float32Array
        ? 'float32'
        : value instanceof Float64Array
          ? 'float64'
          : 'int32';
    arrays[name] = new Tensor(dtype, value.slice(), [value.length]);
    return { $array: name };
  }
  if (Array.isArray(value)) return value.map((v: StateValue) => flatten(v, arrays));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = flatten(v as StateValue, arrays);
    return out;
  }
  return value;
}

function unflatten(value: unknown, arrays: Arrays, source: string): StateValue {
  if (Array.isArray(value)) return value.map((v) => unflatten(v, arrays, source));
  if (value !== null && typeof value === 'object') {
    const ref = (value as { $array?: unknown }).$array;
    if (typeof ref === 'string') {
      const t = arrays[ref];
      if (t === undefined) throw new TrainingStateError(`${source}: no tensor "${ref}"`);
      return t.data;
    }
    const out: Record<string, StateValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unflatten(v, arrays, source);
    return out;
  }
  if (
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    value === null
  ) {
    return value;
  }
  throw new TrainingStateError(
    `${source}: unexpected value ${String(value)} in the optimizer state`,
  );
}

/** NaN → null in JSON (NaN is "no value", e.g. the test accuracy of a cut epoch). */
const finiteOrNull = (_key: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? null : v;

/** The bytes of a state file: safetensors, the weights and the optimizer's arrays as tensors. */
export function encodeTrainingState(state: TrainingState): Uint8Array {
  const arrays: Arrays = {};
  const optimizer = flatten(state.optimizer, arrays);
  const tensors: Record<string, Tensor> = { ...arrays };
  for (const [name, t] of Object.entries(state.weights)) tensors[`weights/${name}`] = t;
  const { weights: _w, optimizer: _o, ...rest } = state;
  return encodeSafetensors(tensors, {
    format: FORMAT,
    state: JSON.stringify({ ...rest, optimizer }, finiteOrNull),
  });
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Reads a state file's bytes back; `source` names the file in errors. */
export function decodeTrainingState(bytes: Uint8Array, source: string): TrainingState {
  let contents: ReturnType<typeof decodeSafetensors>;
  try {
    contents = decodeSafetensors(bytes, { maxHeaderBytes: 1 << 20, maxTensors: 1024 });
  } catch (e) {
    throw new TrainingStateError(`${source}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { tensors, metadata } = contents;
  if (metadata.format !== FORMAT || metadata.state === undefined) {
    throw new TrainingStateError(
      `${source}: not a training state of this demo (format ${JSON.stringify(metadata.format)})`,
    );
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(metadata.state) as Record<string, unknown>;
  } catch (e) {
    throw new TrainingStateError(`${source}: the state is not valid JSON (${String(e)})`);
  }
  const { config, epoch, batch, lossSum, correct, seen, epochs, seconds, scheduler } = parsed;
  if (
    typeof config !== 'object' ||
    config === null ||
    !isInt(epoch) ||
    epoch < 1 ||
    !isInt(batch) ||
    typeof lossSum !== 'number' ||
    !isInt(correct) ||
    !isInt(seen) ||
    !Array.isArray(epochs) ||
    typeof seconds !== 'number' ||
    typeof scheduler !== 'object'
  ) {
    throw new TrainingStateError(`${source}: the state is incomplete or has a wrong field`);
  }
  const weights: Record<string, Tensor<'float32'>> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith('weights/')) continue;
    if (t.dtype !== 'float32')
      throw new TrainingStateError(`${source}: tensor "${name}" is ${t.dtype}, not float32`);
    weights[name.slice('weights/'.length)] = t as Tensor<'float32'>;
  }
  const records = (epochs as Record<string, unknown>[]).map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const k of ['trainLoss', 'trainAccuracy', 'testAccuracy'])
      if (out[k] === null) out[k] = Number.NaN;
    return out as unknown as EpochRecord;
  });
  return {
    config: config as Record<string, unknown>,
    epoch,
    batch,
    lossSum,
    correct,
    seen,
    epochs: records,
    seconds,
    weights,
    optimizer: unflatten(parsed.optimizer, tensors, source) as StateDict,
    scheduler: scheduler === null ? null : (unflatten(scheduler, tensors, source) as StateDict),
  };
}

/** Reads `dir`'s state file. */
export async function loadTrainingState(dir: string): Promise<TrainingState> {
  const path = join(dir, STATE_FILE);
  let bytes: Uint8Array;
  try {
    const { size } = await stat(path);
    if (size > MAX_STATE_BYTES) {
      throw new TrainingStateError(
        `${path} is ${size} bytes, over the limit of ${MAX_STATE_BYTES}`,
      );
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof TrainingStateError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrainingStateError(
      code === 'ENOENT'
        ? `--resume ${dir}: there is no ${STATE_FILE} in it (only runs of this version, stopped or finished, can be resumed)`
        : `--resume ${dir}: cannot read ${path}: ${String(e)}`,
      { cause: e },
    );
  }
  return decodeTrainingState(bytes, path);
}
