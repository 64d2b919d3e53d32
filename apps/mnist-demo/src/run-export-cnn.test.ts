import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MnistDataset } from '@nabla/data';
import { getOptimizerFactory } from '@nabla/optimizers';
import { decodeSafetensors, Tensor } from '@nabla/tensor';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, saveCheckpoint } from './checkpoint.js';
import { firstItems } from './data.js';
import { EXIT, main } from './main.js';
import { type DemoModel, datasetOptions, logits } from './model.js';
import { mnist, sink, tempDir } from './test-support.js';
import { train } from './train.js';

// `pnpm demo export` of a CNN checkpoint (--model cnn): ONNX Runtime runs the ONNX file and must
// give Nabla's logits; the torch file holds PyTorch's names and layouts, running statistics too.

let dir: string;
let remove: () => Promise<void>;
let model: DemoModel;
/** The first 64 MNIST test images as one [64, 1, 28, 28] batch, and their labels. */
let images: { x: Float32Array; labels: Int32Array };

beforeAll(async () => {
  ({ dir, remove } = await tempDir('export-cnn'));
  const data = await mnist();
  // The demo's CNN trained briefly (one epoch of 320 images), so that its weights and running
  // statistics are not the initial ones.
  const result = await train({
    config: {
      model: 'cnn',
      epochs: 1,
      batchSize: 32,
      lr: 2e-3,
      hidden: 256,
      schedule: 'cosine',
      seed: 3,
    },
    train: firstItems(data.train, 320),
    test: firstItems(data.test, 64),
    optimizerFactory: getOptimizerFactory('adam'),
  });
  model = result.model;
  await saveCheckpoint(join(dir, 'model.safetensors'), model, { seed: '3' });
  const set = new MnistDataset(firstItems(data.test, 64), datasetOptions(model));
  const batch = set.createBatch(64);
  set.fillBatch(
    batch,
    Int32Array.from({ length: 64 }, (_, i) => i),
    0,
    64,
  );
  images = { x: batch.x.data.slice(), labels: Int32Array.from(batch.y.data) };
}, 120_000);
afterAll(() => remove());

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, cwd: dir, tty: false });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('pnpm demo export of a CNN checkpoint', () => {
  it('--format onnx: Conv, BatchNormalization, MaxPool, Relu, Flatten and Gemm nodes; ONNX Runtime gives Nabla’s logits', async () => {
    const r = await cli(['export', '--checkpoint', 'model.safetensors', '--format', 'onnx']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const file = join(dir, 'model.onnx');
    expect(r.stdout).toContain(
      `Wrote ${file}: ONNX opset 17, Conv(1→32, 5×5) → MaxPool 2 → BatchNorm → ReLU → Conv(32→64, 5×5)`,
    );
    expect(r.stdout).toContain(
      'input "input" float32 [batch,1,28,28] → output "logits" [batch,10]',
    );
    const session = await InferenceSession.create(await readFile(file));
    try {
      expect([session.inputNames, session.outputNames]).toEqual([['input'], ['logits']]);
      // Two batch sizes through the dynamic batch axis.
      for (const n of [64, 5]) {
        const x = images.x.subarray(0, n * 784);
        const { logits: y } = await session.run({
          input: new OrtTensor('float32', x, [n, 1, 28, 28]),
        });
        expect(y?.dims).toEqual([n, 10]);
        const expected = logits(model, new Tensor('float32', x.slice(), [n, 1, 28, 28]));
        let worst = 0;
        for (let i = 0; i < n * 10; i++) {
          worst = Math.max(worst, Math.abs((y?.data[i] as number) - (expected.data[i] as number)));
        }
        // float32 sums in another order (im2col + GEMM here, ORT's own convolution there).
        expect(worst).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      await session.release();
    }
  });

  it('--format torch: PyTorch names and layouts with the running statistics; eval --layout torch matches', async () => {
    const out = join(dir, 'model.torch.safetensors');
    const exported = await cli([
      'export',
      '--checkpoint',
      'model.safetensors',
      '--format',
      'torch',
    ]);
    expect(exported.code, exported.stderr).toBe(EXIT.ok);
    expect(exported.stdout).toContain(
      `Wrote ${out}: PyTorch state dict (layout torch: 0.weight [32,1,5,5], 2.weight [32], 2.bias [32], 2.running_mean [32], 2.running_var [32], 2.num_batches_tracked [],`,
    );
    expect(exported.stdout).toContain(
      '9.weight [10,1024], 9.bias [10]) for nn.Sequential(nn.Conv2d(1, 32, 5, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(32), nn.ReLU(),',
    );
    const { tensors, metadata } = decodeSafetensors(await readFile(out));
    expect(metadata).toMatchObject({
      layout: 'torch',
      format: 'nabla-mnist-cnn',
      channels: '32,64',
    });
    const state = model.net.stateDict();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(state).sort());
    // Only the Linear's weight turns to [out, in]; the rest is PyTorch's layout already.
    expect(tensors['9.weight']?.shape).toEqual([10, 1024]);
    expect(tensors['9.weight']?.get(3, 700)).toBe(state['9.weight']?.get(700, 3));
    for (const key of ['0.weight', '4.weight', '6.running_mean', '6.running_var']) {
      expect(tensors[key]?.data, key).toEqual(state[key]?.data);
    }
    expect(tensors['2.num_batches_tracked']?.data[0]).toBe(10);

    // Loaded back as PyTorch's layout, it computes the same logits bit for bit.
    const back = decodeCheckpoint(await readFile(out), out, { layout: 'torch' }).model;
    const x = new Tensor('float32', images.x.slice(), [64, 1, 28, 28]);
    const expected = logits(model, x).data.slice();
    expect(logits(back, x).data).toEqual(expected);
  });
});
