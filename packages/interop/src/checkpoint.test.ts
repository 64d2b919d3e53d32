import {
  CheckpointLayoutError,
  checkpointLayout,
  encodeCheckpoint,
  LAYOUT_METADATA_KEY,
  loadCheckpoint,
} from '@nabla/interop';
import { Linear, ReLU, Sequential } from '@nabla/layers';
import { createRng, decodeSafetensors, encodeSafetensors, tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';

const square = (seed: number): Linear<'float32'> => new Linear(2, 2, { rng: createRng(seed) });

describe('checkpoints that record their layout', () => {
  it('writes the layout into __metadata__ with the caller’s metadata, weights in that layout', () => {
    const layer = square(1);
    const nabla = decodeSafetensors(encodeCheckpoint(layer, { metadata: { epochs: '3' } }));
    expect(nabla.metadata).toEqual({ epochs: '3', [LAYOUT_METADATA_KEY]: 'nabla' });
    expect(nabla.tensors.weight?.data).toEqual(layer.weight.value.data);
    const torch = decodeSafetensors(encodeCheckpoint(layer, { layout: 'torch' }));
    expect(torch.metadata).toEqual({ layout: 'torch' });
    expect(torch.tensors.weight?.get(0, 1)).toBe(layer.weight.value.get(1, 0));
  });

  it('round-trips both layouts to the same weights', () => {
    const rng = createRng(5);
    const make = (): Sequential<'float32'> =>
      new Sequential(new Linear(3, 3, { rng }), new ReLU(), new Linear(3, 2, { rng }));
    const model = make();
    for (const layout of ['nabla', 'torch'] as const) {
      const twin = make();
      const bytes = encodeCheckpoint(model, { layout });
      const result = loadCheckpoint(twin, bytes, layout === 'torch' ? { layout } : {});
      expect(result.layout).toBe(layout);
      for (const [k, v] of Object.entries(model.stateDict()))
        expect(twin.stateDict()[k]?.data).toEqual(v.data);
    }
  });

  it('a square Linear given a file of the other layout without saying so gets a clear error', () => {
    const layer = square(2);
    const before = layer.weight.value.data.slice();
    const torchFile = encodeCheckpoint(square(3), { layout: 'torch' });
    expect(() => loadCheckpoint(layer, torchFile, { source: 'w.safetensors' })).toThrow(
      CheckpointLayoutError,
    );
    expect(() => loadCheckpoint(layer, torchFile, { source: 'w.safetensors' })).toThrow(
      "w.safetensors: the file holds PyTorch-layout weights (Linear W as [out, in]); pass layout 'torch' to convert them when loading",
    );
    expect(() => loadCheckpoint(layer, torchFile, { layout: 'nabla' })).toThrow(
      'checkpoint: the file records layout "torch" but layout "nabla" was given',
    );
    // a file without any layout (what plain encodeSafetensors, or PyTorch, writes)
    const bare = encodeSafetensors({
      weight: tensor([
        [1, 2],
        [3, 4],
      ]),
      bias: tensor([0, 0]),
    });
    expect(() => loadCheckpoint(layer, bare)).toThrow(
      /the file does not record its weight layout \(no __metadata__\.layout\); say which it is/,
    );
    expect(layer.weight.value.data).toEqual(before); // nothing was loaded
    // saying so loads it correctly: PyTorch's [[1,2],[3,4]] maps [1,0] to [1,3]
    loadCheckpoint(layer, bare, { layout: 'torch' });
    expect(layer.forward(tensor([[1, 0]]), { training: false }).toArray()).toEqual([[1, 3]]);
    loadCheckpoint(layer, bare, { layout: 'nabla' });
    expect(layer.forward(tensor([[1, 0]]), { training: false }).toArray()).toEqual([[1, 2]]);
  });

  it('rejects an unknown recorded or stated layout, and names the file for shape errors', () => {
    expect(() => checkpointLayout({ layout: 'tf' })).toThrow(
      'checkpoint: __metadata__.layout is "tf", expected "nabla" or "torch"',
    );
    expect(() =>
      checkpointLayout({}, { layout: 'jax' as unknown as 'torch', source: 'f.safetensors' }),
    ).toThrow(/f\.safetensors: layout must be 'nabla' or 'torch', got "jax"/);
    expect(checkpointLayout({ layout: 'nabla' })).toBe('nabla');
    expect(checkpointLayout({}, { layout: 'torch' })).toBe('torch');
    const wide = encodeCheckpoint(new Linear(2, 3, { rng: createRng(0) }), { layout: 'torch' });
    expect(() =>
      loadCheckpoint(square(0), wide, { layout: 'torch', source: 'wide.safetensors' }),
    ).toThrow(
      /wide\.safetensors \(layout torch\): fromTorchStateDict: "weight" of Linear\(2→2\) has shape \[3,2\], expected PyTorch's \[2,2\]/,
    );
  });
});
