import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MnistDataset } from '@nabla/data';
import { getOptimizerFactory } from '@nabla/optimizers';
import { createRng, decodeSafetensors, encodeSafetensors, normal, tensor } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT,
  CheckpointError,
  CNN_CHECKPOINT_FORMAT,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { firstItems } from './data.js';
import { createCnn, datasetOptions, logits } from './model.js';
import { mnist, tempDir } from './test-support.js';
import { train } from './train.js';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await tempDir('checkpoint'));
});
afterAll(() => remove());

async function trained() {
  const data = await mnist();
  const result = await train({
    config: { epochs: 1, batchSize: 50, lr: 0.01, hidden: 32, schedule: 'constant', seed: 3 },
    train: firstItems(data.train, 500),
    test: firstItems(data.test, 100),
    optimizerFactory: getOptimizerFactory('adam'),
  });
  return { data, model: result.model };
}

describe('checkpoints', () => {
  it('save, load into a fresh model: identical logits and predictions on 1,000 test images', async () => {
    const { data, model } = await trained();
    const path = join(dir, 'model.safetensors');
    await saveCheckpoint(path, model, { seed: '3' });
    const loaded = await loadCheckpoint(path);
    expect(loaded.model).not.toBe(model);
    expect(loaded.model.hidden).toBe(32);
    expect(loaded.metadata).toMatchObject({ seed: '3', format: CHECKPOINT_FORMAT, hidden: '32' });

    const test = new MnistDataset(firstItems(data.test, 1000));
    const batch = test.createBatch(1000);
    test.fillBatch(
      batch,
      Int32Array.from({ length: 1000 }, (_, i) => i),
      0,
      1000,
    );
    const before = logits(model, batch.x).data.slice();
    const after = logits(loaded.model, batch.x).data.slice();
    expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(true);
    // and the loaded model is not just an untrained one that happens to agree
    const fresh = logits(decodeCheckpoint(await readFile(path)).model, batch.x).data;
    expect(fresh).toEqual(before);
  });

  it('writes a standard safetensors file any reader can parse', async () => {
    const { model } = await trained();
    const path = join(dir, 'std.safetensors');
    await saveCheckpoint(path, model);
    const bytes = await readFile(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
      string,
      { dtype?: string; shape?: number[]; data_offsets?: number[] }
    >;
    expect(header['0.weight']).toMatchObject({ dtype: 'F32', shape: [784, 32] });
    expect(header['2.bias']).toMatchObject({ dtype: 'F32', shape: [10] });
    const end = Math.max(...Object.values(header).flatMap((e) => e.data_offsets ?? []));
    expect(bytes.length).toBe(8 + headerLength + end);
    expect(await readdir(dir)).not.toContain(expect.stringMatching(/\.tmp$/));
  });

  it('names the file and the problem for a missing, truncated, foreign or mismatched checkpoint', async () => {
    const { model } = await trained();
    const good = join(dir, 'good.safetensors');
    await saveCheckpoint(good, model);
    const bytes = await readFile(good);

    await expect(loadCheckpoint(join(dir, 'nope.safetensors'))).rejects.toThrow(
      /checkpoint .*nope\.safetensors does not exist/,
    );

    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 100));
    const err = await loadCheckpoint(truncated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(
      /checkpoint .*truncated\.safetensors: safetensors: tensor .* go beyond/,
    );

    const foreign = encodeSafetensors({ w: tensor([1, 2]) }, { format: 'pt' });
    expect(() => decodeCheckpoint(foreign, 'other.safetensors')).toThrow(
      'other.safetensors: metadata format is "pt", not nabla-mnist-mlp',
    );
    const nabla = { layout: 'nabla' } as const;
    expect(() => decodeCheckpoint(encodeSafetensors({ w: tensor([1, 2]) }), 'x', nabla)).toThrow(
      /expected a tensor "0\.weight" of shape \[784,H\] \(layout nabla\), got none \(tensors: w\)/,
    );
    const { tensors } = decodeSafetensors(bytes);
    const { '2.bias': _dropped, ...withoutBias } = tensors;
    expect(() => decodeCheckpoint(encodeSafetensors(withoutBias), 'y', nabla)).toThrow(
      /y: .*missing key "2\.bias"/,
    );
    const wrongShape = { ...tensors, '2.bias': tensor([1, 2, 3]) };
    expect(() => decodeCheckpoint(encodeSafetensors(wrongShape), 'z', nabla)).toThrow(
      /z: .*bias.*\[3\].*\[10\]/,
    );
    const asInt = { ...tensors, '0.bias': tensor(new Array(32).fill(0), 'int32') };
    expect(() => decodeCheckpoint(encodeSafetensors(asInt), 'i', nabla)).toThrow(
      'i: tensor "0.bias" is int32; the demo\'s weights are float32',
    );
  });

  it('records the layout; a file of PyTorch layout or of none needs --layout, then loads right', async () => {
    const { data, model } = await trained();
    const x = new MnistDataset(firstItems(data.test, 200)).createBatch(200);
    new MnistDataset(firstItems(data.test, 200)).fillBatch(
      x,
      Int32Array.from({ length: 200 }, (_, i) => i),
      0,
      200,
    );
    const expected = logits(model, x.x).data.slice();
    const nablaFile = encodeCheckpoint(model);
    expect(decodeSafetensors(nablaFile).metadata.layout).toBe('nabla');
    const torchFile = encodeCheckpoint(model, {}, 'torch');
    expect(decodeSafetensors(torchFile).tensors['0.weight']?.shape).toEqual([32, 784]);
    expect(() => decodeCheckpoint(torchFile, 't.safetensors')).toThrow(
      "t.safetensors: the file holds PyTorch-layout weights (Linear W as [out, in]); pass layout 'torch' to convert them when loading (command line: --layout nabla|torch)",
    );
    const fromTorch = decodeCheckpoint(torchFile, 't', { layout: 'torch' });
    expect(fromTorch.layout).toBe('torch');
    expect(fromTorch.model.hidden).toBe(32);
    expect(logits(fromTorch.model, x.x).data).toEqual(expected);
    // the bare tensors (what a PyTorch script writes) say nothing: the caller must
    const bare = encodeSafetensors(decodeSafetensors(torchFile).tensors);
    expect(() => decodeCheckpoint(bare, 'b')).toThrow(
      /b: the file does not record its weight layout .*\(command line: --layout nabla\|torch\)/,
    );
    expect(() => decodeCheckpoint(bare, 'b', { layout: 'nabla' })).toThrow(
      /b: expected a tensor "0\.weight" of shape \[784,H\] \(layout nabla\), got \[32,784\]/,
    );
    expect(logits(decodeCheckpoint(bare, 'b', { layout: 'torch' }).model, x.x).data).toEqual(
      expected,
    );
    // demo checkpoints from before layouts were recorded are Nabla's
    const { tensors, metadata } = decodeSafetensors(nablaFile);
    const { layout: _dropped, ...legacyMetadata } = metadata;
    const legacy = encodeSafetensors(tensors, legacyMetadata);
    expect(logits(decodeCheckpoint(legacy, 'old').model, x.x).data).toEqual(expected);
  });

  it('a CNN checkpoint holds its architecture and BatchNorm running statistics; loading rebuilds it', async () => {
    const data = await mnist();
    const model = createCnn([4, 6], createRng(9));
    // Move the BatchNorm running statistics away from their initial 0 and 1 (two batches).
    for (const seed of [1, 2]) {
      model.net.forward(normal(createRng(seed), [8, 1, 28, 28], 0.5, 1), { training: true });
    }
    const path = join(dir, 'cnn.safetensors');
    await saveCheckpoint(path, model, { seed: '9' });
    const { tensors, metadata } = decodeSafetensors(await readFile(path));
    expect(metadata).toMatchObject({
      format: CNN_CHECKPOINT_FORMAT,
      channels: '4,6',
      seed: '9',
      layout: 'nabla',
    });
    expect(metadata.architecture).toMatch(/^Conv\(1→4, 5×5\) → MaxPool 2 → BatchNorm → ReLU/);
    expect(metadata.hidden).toBeUndefined();
    expect(tensors['0.weight']?.shape).toEqual([4, 1, 5, 5]);
    expect(tensors['0.bias']).toBeUndefined();
    expect(tensors['2.running_mean']?.shape).toEqual([4]);
    expect(tensors['6.running_var']?.shape).toEqual([6]);
    expect(tensors['6.num_batches_tracked']?.data[0]).toBe(2);
    expect(tensors['9.weight']?.shape).toEqual([96, 10]);

    const loaded = await loadCheckpoint(path);
    expect(loaded.model.kind).toBe('cnn');
    expect(loaded.model.channels).toEqual([4, 6]);
    const state = loaded.model.net.stateDict();
    for (const key of ['2.running_mean', '2.running_var', '6.running_mean', '6.running_var']) {
      expect(state[key]?.data, key).toEqual(model.net.stateDict()[key]?.data);
    }
    const test = new MnistDataset(firstItems(data.test, 50), datasetOptions(loaded.model));
    const batch = test.createBatch(50);
    test.fillBatch(
      batch,
      Int32Array.from({ length: 50 }, (_, i) => i),
      0,
      50,
    );
    expect(batch.x.shape).toEqual([50, 1, 28, 28]);
    const before = logits(model, batch.x).data.slice();
    expect(logits(loaded.model, batch.x).data).toEqual(before);
    // The running statistics matter: the same weights with fresh statistics predict otherwise.
    const fresh = createCnn([4, 6]);
    fresh.net.loadStateDict({
      ...model.net.stateDict(),
      '2.running_mean': fresh.net.stateDict()['2.running_mean'] as never,
      '2.running_var': fresh.net.stateDict()['2.running_var'] as never,
    });
    expect(logits(fresh, batch.x).data).not.toEqual(before);

    // In PyTorch's layout only the Linear's weight turns; the file loads back with --layout torch.
    const torchFile = encodeCheckpoint(model, {}, 'torch');
    const torchTensors = decodeSafetensors(torchFile).tensors;
    expect(torchTensors['9.weight']?.shape).toEqual([10, 96]);
    expect(torchTensors['4.weight']?.data).toEqual(tensors['4.weight']?.data);
    const fromTorch = decodeCheckpoint(torchFile, 't', { layout: 'torch' });
    expect(logits(fromTorch.model, batch.x).data).toEqual(before);
    // The bare tensors (what a PyTorch script writes) are recognised as the CNN by 0.weight's rank.
    const bare = decodeCheckpoint(encodeSafetensors(torchTensors), 'b', { layout: 'torch' });
    expect(bare.model.kind).toBe('cnn');
    expect(logits(bare.model, batch.x).data).toEqual(before);

    const badChannels = encodeSafetensors(tensors, { ...metadata, channels: '4,8' });
    expect(() => decodeCheckpoint(badChannels, 'c')).toThrow(
      'c: metadata says channels "4,8" but the convolution weights have 4,6',
    );
    const { '4.weight': _w, ...noConv } = tensors;
    expect(() => decodeCheckpoint(encodeSafetensors(noConv, metadata), 'n')).toThrow(
      'n: a CNN checkpoint needs convolution weights "0.weight" [c1,1,5,5] and "4.weight" [c2,c1,5,5] with 1 to 4096 channels, got [4,1,5,5] and none',
    );
    const { '6.running_var': _v, ...noStats } = tensors;
    expect(() => decodeCheckpoint(encodeSafetensors(noStats, metadata), 's')).toThrow(
      /s: .*missing key "6\.running_var"/,
    );
  });
});
