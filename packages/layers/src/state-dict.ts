import type { FloatDType, Parameter, Tensor } from '@nabla/tensor';
import { formatShape, ShapeError, shapesEqual } from '@nabla/tensor';
import type { TensorStateDict } from './layer.js';

/**
 * A state dict of `parameters`: a copy of each value under the parameter's name. The copies do
 * not share memory with the layer, so later training does not change a saved state.
 */
export function parameterStateDict<D extends FloatDType>(
  parameters: readonly Parameter<D>[],
): TensorStateDict<D> {
  const state: Record<string, (typeof parameters)[number]['value']> = {};
  for (const p of parameters) state[p.name] = p.value.clone();
  return state;
}

/**
 * Copies `state` into `parameters` in place (so optimizers holding them see the new values).
 * Every parameter must be present with its exact shape, and no other key may appear; the error
 * names `owner`, the key and the shapes. Values may come in either float dtype and are
 * converted. Nothing is written unless the whole state fits.
 */
export function loadParameterState(
  owner: string,
  parameters: readonly Parameter[],
  state: TensorStateDict,
): void {
  const expected: Record<string, Tensor<FloatDType>> = {};
  for (const p of parameters) expected[p.name] = p.value;
  checkStateDict(owner, expected, state);
  for (const p of parameters) p.value.data.set((state[p.name] as Tensor).data);
}

/**
 * Checks that `state` has exactly the keys of `expected`, each a float tensor of the same shape;
 * throws an error naming `owner`, the key and the shapes otherwise. Writes nothing.
 */
export function checkStateDict(
  owner: string,
  expected: TensorStateDict,
  state: TensorStateDict,
): void {
  if (state === null || typeof state !== 'object') {
    throw new TypeError(
      `${owner}.loadStateDict: expected an object of named tensors, got ${String(state)}`,
    );
  }
  for (const [key, want] of Object.entries(expected)) {
    const v = state[key];
    if (v === undefined) {
      throw new RangeError(
        `${owner}.loadStateDict: missing key "${key}" (expected ${formatShape(want.shape)}); got keys ${listKeys(state)}`,
      );
    }
    // Duck-typed rather than `instanceof`, so tensors from another copy of @nabla/tensor load too.
    const tensorLike =
      typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
    if (!tensorLike || (v.dtype !== 'float32' && v.dtype !== 'float64')) {
      const what = tensorLike ? `a ${String(v.dtype)} tensor` : typeof v;
      throw new TypeError(`${owner}.loadStateDict: "${key}" is ${what}, expected a float tensor`);
    }
    if (!shapesEqual(v.shape, want.shape)) {
      throw new ShapeError(
        `${owner}.loadStateDict: "${key}" has shape ${formatShape(v.shape)}, expected ${formatShape(want.shape)}`,
      );
    }
  }
  for (const key of Object.keys(state)) {
    if (!(key in expected)) {
      throw new RangeError(
        `${owner}.loadStateDict: unexpected key "${key}" (expected keys: ${listKeys(expected)})`,
      );
    }
  }
}

function listKeys(state: TensorStateDict): string {
  const keys = Object.keys(state);
  return keys.length === 0 ? '(none)' : keys.map((k) => `"${k}"`).join(', ');
}
