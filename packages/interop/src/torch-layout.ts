import type { Layer, TensorStateDict } from '@nabla/layers';
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear, Sequential } from '@nabla/layers';
import type { FloatDType, Shape, Tensor } from '@nabla/tensor';
import { formatShape, ShapeError, shapesEqual, transpose } from '@nabla/tensor';

/**
 * Where each state-dict entry of a model sits, and the shape PyTorch gives it. Names are the
 * same on both sides (`Sequential` numbers its layers like `nn.Sequential`: `0.weight`,
 * `2.bias`, nested `1.0.weight`); only `Linear`'s weight differs: Nabla keeps W as [in, out]
 * (y = xW + b), PyTorch's `nn.Linear.weight` is [out, in] (y = xWᵀ + b). `Conv2d`'s weight
 * [out, in, kh, kw] and bias, and `BatchNorm1d`/`2d`'s weight, bias, `running_mean`,
 * `running_var` and `num_batches_tracked` are PyTorch's already (`num_batches_tracked` is a
 * float scalar here, an int64 in PyTorch: `load_state_dict` converts it).
 */
interface Entry {
  /** Shape in Nabla's layout. */
  nabla: Shape;
  /** Shape in PyTorch's layout. */
  torch: Shape;
  /** Whether the two layouts differ by a transpose (a Linear weight). */
  transposed: boolean;
  /** The layer the entry belongs to, for error messages (`Linear(4→4) at 2`). */
  owner: string;
}

/** The entries of `model`'s state dict, by name; throws for a layer whose layout is unknown. */
function describe(
  model: Layer,
  prefix = '',
  entries = new Map<string, Entry>(),
): Map<string, Entry> {
  const at = prefix === '' ? '' : ` at "${prefix.slice(0, -1)}"`;
  if (model instanceof Sequential) {
    model.layers.forEach((layer, i) => {
      describe(layer, `${prefix}${i}.`, entries);
    });
  } else if (model instanceof Linear) {
    const owner = `${model.name}${at}`;
    const [i, o] = [model.inFeatures, model.outFeatures];
    entries.set(`${prefix}weight`, { nabla: [i, o], torch: [o, i], transposed: true, owner });
    if (model.bias) {
      entries.set(`${prefix}bias`, { nabla: [o], torch: [o], transposed: false, owner });
    }
  } else if (
    model instanceof Conv2d ||
    model instanceof BatchNorm1d ||
    model instanceof BatchNorm2d
  ) {
    const owner = `${model.name}${at}`;
    const named = [...model.parameters(), ...(model instanceof Conv2d ? [] : model.buffers())];
    for (const { name, value } of named) {
      entries.set(`${prefix}${name}`, {
        nabla: value.shape,
        torch: value.shape,
        transposed: false,
        owner,
      });
    }
  } else if (model.parameters().length > 0) {
    throw new TypeError(
      `${model.name}${at}: no PyTorch layout is known for this layer (it has parameters ${model
        .parameters()
        .map((p) => `"${p.name}"`)
        .join(
          ', ',
        )}); supported: Linear, Conv2d, BatchNorm1d, BatchNorm2d, Sequential and the parameter-free layers`,
    );
  }
  return entries;
}

function isTensorLike(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}

/**
 * The model's state dict in PyTorch's names and layouts: what `model.load_state_dict(...)` of the
 * equivalent `nn.Sequential` (or `nn.Linear`) takes. Linear weights are transposed to
 * [out, in]; every other entry is copied as it is. The tensors are fresh copies.
 *
 * @example
 * const bytes = encodeSafetensors(toTorchStateDict(model)); // then in Python:
 * // net.load_state_dict(safetensors.torch.load_file("model.safetensors"))
 */
export function toTorchStateDict<D extends FloatDType>(model: Layer<D>): TensorStateDict<D> {
  const entries = describe(model);
  const out: Record<string, Tensor<D>> = {};
  for (const [key, value] of Object.entries(model.stateDict())) {
    const entry = entries.get(key);
    out[key] = entry?.transposed ? transpose(value) : value.clone();
  }
  return out;
}

/**
 * A PyTorch state dict (PyTorch's names and layouts) turned into `model`'s layout, ready for
 * `model.loadStateDict(...)`. Every key of the model must be present with PyTorch's shape and no
 * other key may appear; the error names the key, the shapes and the layer. The input is not
 * modified; the result holds fresh tensors.
 */
export function fromTorchStateDict(model: Layer, state: TensorStateDict): TensorStateDict {
  if (state === null || typeof state !== 'object') {
    throw new TypeError(
      `fromTorchStateDict: expected an object of named tensors, got ${String(state)}`,
    );
  }
  const entries = describe(model);
  const out: Record<string, Tensor<FloatDType>> = {};
  for (const [key, entry] of entries) {
    const v = state[key];
    if (v === undefined) {
      throw new RangeError(
        `fromTorchStateDict: missing key "${key}" (${entry.owner}, PyTorch shape ${formatShape(entry.torch)}); got keys ${listKeys(state)}`,
      );
    }
    if (!isTensorLike(v) || (v.dtype !== 'float32' && v.dtype !== 'float64')) {
      throw new TypeError(
        `fromTorchStateDict: "${key}" is ${isTensorLike(v) ? `a ${v.dtype} tensor` : typeof v}, expected a float tensor`,
      );
    }
    if (!shapesEqual(v.shape, entry.torch)) {
      const hint =
        entry.transposed && shapesEqual(v.shape, entry.nabla)
          ? ` (that is Nabla's [in, out] layout: was the file written for Nabla rather than PyTorch?)`
          : '';
      throw new ShapeError(
        `fromTorchStateDict: "${key}" of ${entry.owner} has shape ${formatShape(v.shape)}, expected PyTorch's ${formatShape(entry.torch)}${hint}`,
      );
    }
    out[key] = entry.transposed ? transpose(v) : v.clone();
  }
  for (const key of Object.keys(state)) {
    if (!entries.has(key)) {
      throw new RangeError(
        `fromTorchStateDict: unexpected key "${key}" (the model has ${[...entries.keys()].map((k) => `"${k}"`).join(', ') || 'no parameters'})`,
      );
    }
  }
  return out;
}

/** Loads a PyTorch state dict into `model` (all or nothing): `fromTorchStateDict` + `loadStateDict`. */
export function loadTorchStateDict(model: Layer, state: TensorStateDict): void {
  model.loadStateDict(fromTorchStateDict(model, state));
}

function listKeys(state: TensorStateDict): string {
  const keys = Object.keys(state);
  return keys.length === 0 ? '(none)' : keys.map((k) => `"${k}"`).join(', ');
}
