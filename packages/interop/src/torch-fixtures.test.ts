import { readFileSync } from 'node:fs';
import { encodeCheckpoint, loadCheckpoint } from '@nabla/interop';
import { Linear, ReLU, Sequential } from '@nabla/layers';
import { createRng, decodeSafetensors, type FloatDType, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';

// The files in ../fixtures were made by fixtures/make-nabla-export.mjs and
// fixtures/make-fixtures.py (PyTorch 1.13, see fixtures/README.md); no Python runs here.
const fixture = (name: string): Uint8Array =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** Relative tolerance per dtype (the bar): 1e-6 for float64, 1e-5 for float32. */
const TOLERANCE: Record<FloatDType, number> = { float64: 1e-6, float32: 1e-5 };

function expectClose(actual: Tensor, expected: Tensor, rtol: number): void {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.size; i++) {
    const e = expected.data[i] as number;
    const err = Math.abs((actual.data[i] as number) - e) / Math.max(Math.abs(e), 1e-3);
    worst = Math.max(worst, err);
  }
  expect(worst).toBeLessThanOrEqual(rtol);
}

function io(name: string): { input: Tensor; logits: Tensor } {
  const { tensors } = decodeSafetensors(fixture(name));
  return { input: tensors.input as Tensor, logits: tensors.logits as Tensor };
}

/** nn.Sequential(Linear(6, 6), ReLU(), Linear(6, 3)) on the Nabla side. */
function mlp<D extends FloatDType>(dtype: D, seed = 13): Sequential<D> {
  const rng = createRng(seed);
  return new Sequential<D>(
    new Linear(6, 6, { rng, dtype }),
    new ReLU(),
    new Linear(6, 3, { rng, dtype }),
  );
}

describe.each(['float32', 'float64'] as const)('PyTorch fixtures, %s', (dtype) => {
  it('a safetensors file written by PyTorch loads (layout torch) and gives PyTorch’s logits', () => {
    const model = mlp(dtype, 99);
    const bytes = fixture(`torch-model-${dtype}.safetensors`);
    const { metadata, layout } = loadCheckpoint(model, bytes, { layout: 'torch' });
    expect(metadata).toEqual({ format: 'pt' });
    expect(layout).toBe('torch');
    const { input, logits } = io(`torch-io-${dtype}.safetensors`);
    expect(input.dtype).toBe(dtype);
    expectClose(
      model.forward(input as Tensor<typeof dtype>, { training: false }),
      logits,
      TOLERANCE[dtype],
    );
  });

  it('the same file without saying its layout is refused, and loading it untransposed would be wrong', () => {
    const model = mlp(dtype, 99);
    const before = model.stateDict()['0.weight']?.data.slice();
    const bytes = fixture(`torch-model-${dtype}.safetensors`);
    expect(() => loadCheckpoint(model, bytes, { source: 'torch-model.safetensors' })).toThrow(
      /torch-model\.safetensors: the file does not record its weight layout/,
    );
    expect(model.stateDict()['0.weight']?.data).toEqual(before);
    // Saying the wrong layout fails on the non-square layer (shape [3,6] vs [6,3]) and loads nothing…
    expect(() => loadCheckpoint(model, bytes, { layout: 'nabla' })).toThrow(
      /"2\.weight".*\[3,6\].*\[6,3\]/,
    );
    expect(model.stateDict()['0.weight']?.data).toEqual(before);
    // …while the square layer alone would have "loaded": the silent error the layout check prevents.
    const square = new Linear(6, 6, { rng: createRng(1), dtype });
    const { tensors } = decodeSafetensors(bytes);
    square.loadStateDict({
      weight: tensors['0.weight'] as Tensor<FloatDType>,
      bias: tensors['0.bias'] as Tensor<FloatDType>,
    });
    const x = io(`torch-io-${dtype}.safetensors`).input as Tensor<typeof dtype>;
    const right = mlp(dtype);
    loadCheckpoint(right, bytes, { layout: 'torch' });
    const first = right.layers[0] as Linear<typeof dtype>;
    const wrong = square.forward(x, { training: false }).clone();
    const ok = first.forward(x, { training: false });
    expect(
      Math.max(...wrong.data.map((v, i) => Math.abs(v - (ok.data[i] as number)))),
    ).toBeGreaterThan(0.01);
  });

  it('a Nabla model exported for PyTorch is the committed file that torch loaded, with the same logits', () => {
    const model = mlp(dtype);
    const bytes = encodeCheckpoint(model, { layout: 'torch' });
    // Byte for byte the file make-fixtures.py loaded with model.load_state_dict(..., strict=True).
    expect(bytes).toEqual(new Uint8Array(fixture(`nabla-export-${dtype}.safetensors`)));
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ layout: 'torch' });
    expect(tensors['0.weight']?.shape).toEqual([6, 6]);
    expect(tensors['2.weight']?.shape).toEqual([3, 6]); // PyTorch's [out, in]
    const { input, logits } = io(`nabla-export-io-${dtype}.safetensors`);
    expectClose(
      model.forward(input as Tensor<typeof dtype>, { training: false }),
      logits,
      TOLERANCE[dtype],
    );
  });
});
