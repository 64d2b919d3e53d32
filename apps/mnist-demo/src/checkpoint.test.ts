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
    expect(() => decodeCheckpoint(encodeSafetensors({ w: tensor([1, 2]) }), 'x')).toThrow(
      /expected a tensor "0\.weight" of shape \[784,H\], got none \(tensors: w\)/,
    );
    const { tensors } = decodeSafetensors(bytes);
    const { '2.bias': _dropped, ...withoutBias } = tensors;
    expect(() => decodeCheckpoint(encodeSafetensors(withoutBias), 'y')).toThrow(
      /y: .*missing key "2\.bias"/,
    );
    const wrongShape = { ...tensors, '2.bias': tensor([1, 2, 3]) };
    expect(() => decodeCheckpoint(encodeSafetensors(wrongShape), 'z')).toThrow(
      /z: .*bias.*\[3\].*\[10\]/,
    );
    const asInt = { ...tensors, '0.bias': tensor(new Array(32).fill(0), 'int32') };
    expect(() => decodeCheckpoint(encodeSafetensors(asInt), 'i')).toThrow(
      'i: tensor "0.bias" is int32; the demo\'s weights are float32',
    );
  });

  it('a CNN checkpoint holds its architecture and BatchNorm running statistics; loading rebuilds it', async () => {
    const data = await mnist();
    const model = createCnn([4, 6], createRng(9));
    // Move the BatchNorm running statistics away from their initial 0 and 1.
    model.net.forward(normal(createRng(1), [8, 1, 28, 28], 0.5, 1), { training: true });
    const path = join(dir, 'cnn.safetensors');
    await saveCheckpoint(path, model, { seed: '9' });
    const { tensors, metadata } = decodeSafetensors(await readFile(path));
    expect(metadata).toMatchObject({ format: CNN_CHECKPOINT_FORMAT, channels: '4,6', seed: '9' });
    expect(tensors['2.running_mean']?.shape).toEqual([4]);
    expect(tensors['6.running_var']?.shape).toEqual([6]);
    expect(tensors['6.num_batches_tracked']?.data[0]).toBe(1);

    const loaded = await loadCheckpoint(path);
    expect(loaded.model.kind).toBe('cnn');
    expect(loaded.model.channels).toEqual([4, 6]);
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
    // The running statistics matter: a model without them predicts differently.
    const fresh = createCnn([4, 6]);
    const { '2.running_mean': _m, '2.running_var': _v, ...rest } = model.net.stateDict();
    fresh.net.loadStateDict({
      ...rest,
      ...pick(fresh.net.stateDict(), ['2.running_mean', '2.running_var']),
    });
    expect(logits(fresh, batch.x).data).not.toEqual(before);

    const badChannels = encodeSafetensors(tensors, {
      format: CNN_CHECKPOINT_FORMAT,
      channels: '4',
    });
    expect(() => decodeCheckpoint(badChannels, 'c')).toThrow(
      'c: a nabla-mnist-cnn checkpoint needs metadata channels "c1,c2", got "4"',
    );
    const wrongChannels = encodeSafetensors(tensors, {
      format: CNN_CHECKPOINT_FORMAT,
      channels: '4,8',
    });
    expect(() => decodeCheckpoint(wrongChannels, 'w')).toThrow(
      /w: .*"4\.weight" has shape \[6,4,5,5\], expected \[8,4,5,5\]/,
    );
  });
});

function pick<T>(state: Readonly<Record<string, T>>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.map((k) => [k, state[k] as T]));
}
