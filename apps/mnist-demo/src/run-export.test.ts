import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataLoader, type MnistBatch, MnistDataset } from '@nabla/data';
import { exportOnnx } from '@nabla/interop';
import {
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from '@nabla/layers';
import { SoftmaxCrossEntropy } from '@nabla/losses';
import { Adam, getOptimizerFactory } from '@nabla/optimizers';
import { argmax, createRng, decodeSafetensors, type Tensor } from '@nabla/tensor';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from './checkpoint.js';
import { firstItems } from './data.js';
import { EXIT, main } from './main.js';
import { type DemoModel, logits } from './model.js';
import { mnist, sink, tempDir } from './test-support.js';
import { train } from './train.js';

let dir: string;
let remove: () => Promise<void>;
let checkpoint: string;
let model: DemoModel;
/** All 10,000 MNIST test images as one batch. */
let test: MnistBatch;

beforeAll(async () => {
  ({ dir, remove } = await tempDir('export'));
  const data = await mnist();
  // The demo's network (784→256→10) trained for one epoch on 10,000 images.
  const result = await train({
    config: { epochs: 1, batchSize: 128, lr: 3e-3, hidden: 256, schedule: 'cosine', seed: 1 },
    train: firstItems(data.train, 10_000),
    test: firstItems(data.test, 100),
    optimizerFactory: getOptimizerFactory('adam'),
  });
  model = result.model;
  checkpoint = join(dir, 'model.safetensors');
  await saveCheckpoint(checkpoint, model, { seed: '1' });
  const set = new MnistDataset(data.test);
  test = set.createBatch(set.length);
  set.fillBatch(
    test,
    Int32Array.from({ length: set.length }, (_, i) => i),
    0,
    set.length,
  );
}, 120_000);
afterAll(() => remove());

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, cwd: dir, tty: false });
  return { code, stdout: out.text(), stderr: err.text() };
}

async function runOnnx(bytes: Uint8Array, inputName: string, x: Tensor<'float32'>) {
  const session = await InferenceSession.create(bytes);
  try {
    const feeds = { [inputName]: new OrtTensor('float32', x.data, [...x.shape]) };
    const outputs = await session.run(feeds);
    const output = outputs[session.outputNames[0] as string];
    if (output === undefined) throw new Error('no output');
    return { names: [session.inputNames, session.outputNames], y: output };
  } finally {
    await session.release();
  }
}

/** Largest |a − b|, the argmax of each row of both, and the accuracy of each against labels. */
function compare(a: ArrayLike<number>, b: Tensor<'float32'>, labels: Int32Array) {
  const classes = b.shape[1] as number;
  let maxDiff = 0;
  for (let i = 0; i < b.size; i++)
    maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b.data[i] as number)));
  const predA = new Int32Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((a[r * classes + c] as number) > (a[r * classes + best] as number)) best = c;
    predA[r] = best;
  }
  const predB = Int32Array.from(argmax(b, { axis: 1 }).data);
  const acc = (p: Int32Array) => p.filter((v, i) => v === labels[i]).length / labels.length;
  return { maxDiff, predA, predB, accA: acc(predA), accB: acc(predB) };
}

describe('pnpm demo export', () => {
  it('--format onnx: ONNX Runtime gives the demo model’s logits, predictions and accuracy on the 10,000 test images', async () => {
    const { code, stdout, stderr } = await cli([
      'export',
      '--checkpoint',
      'model.safetensors',
      '--format',
      'onnx',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(EXIT.ok);
    const file = join(dir, 'model.onnx');
    expect(stdout).toContain(`Wrote ${file}: ONNX opset 17`);
    const { names, y } = await runOnnx(await readFile(file), 'input', test.x);
    expect(names).toEqual([['input'], ['logits']]);
    expect(y.dims).toEqual([10_000, 10]);
    const labels = Int32Array.from(test.y.data);
    const r = compare(y.data as Float32Array, logits(model, test.x), labels);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
    expect(r.predA).toEqual(r.predB);
    expect(r.accA).toBe(r.accB);
    expect(r.accB).toBeGreaterThan(0.9); // a trained model, not an untrained one that agrees by chance
  });

  it('a model using every exportable layer gives the same probabilities, predictions and accuracy', async () => {
    const rng = createRng(5);
    const body = new Sequential<'float32'>(
      new Flatten(),
      new Linear(784, 64, { rng }),
      new ReLU(),
      new Dropout(0.2),
      new Linear(64, 32, { rng, init: 'torch' }),
      new LeakyReLU({ negativeSlope: 0.1 }),
      new Linear(32, 32, { rng, init: 'glorot' }),
      new Tanh(),
      new Linear(32, 16, { rng, init: 'glorot' }),
      new Sigmoid(),
      new Linear(16, 10, { rng }),
    );
    // One epoch on 10,000 images of [1, 28, 28], so that the accuracy means something.
    const data = await mnist();
    const loader = new DataLoader(new MnistDataset(firstItems(data.train, 10_000)), {
      batchSize: 64,
      shuffle: true,
      seed: 5,
    });
    const loss = new SoftmaxCrossEntropy();
    const optimizer = new Adam(body.parameters(), { lr: 3e-3 });
    for (const { x, y } of loader) {
      const images = x.reshape([x.shape[0] as number, 1, 28, 28]);
      const { grad } = loss.compute(body.forward(images, { training: true, rng }), y);
      body.backward(grad, { inputGrad: false });
      optimizer.step();
    }
    const net = new Sequential<'float32'>(body, new Softmax());
    const bytes = exportOnnx(net, { inputShape: [1, 28, 28] });
    const images = test.x.reshape([10_000, 1, 28, 28]);
    const { y } = await runOnnx(bytes, 'input', images);
    const labels = Int32Array.from(test.y.data);
    const r = compare(y.data as Float32Array, net.forward(images, { training: false }), labels);
    expect(r.maxDiff).toBeLessThanOrEqual(1e-5);
    expect(r.predA).toEqual(r.predB);
    expect(r.accA).toBe(r.accB);
    expect(r.accB).toBeGreaterThan(0.8);
  });

  it('--format torch: PyTorch layout and names; eval needs --layout torch, then matches the original', async () => {
    const out = join(dir, 'for-torch.safetensors');
    const exported = await cli([
      'export',
      '--checkpoint',
      'model.safetensors',
      '--format',
      'torch',
      '--out',
      'for-torch.safetensors',
    ]);
    expect(exported.code).toBe(EXIT.ok);
    expect(exported.stdout).toContain(`Wrote ${out}: PyTorch state dict`);
    const { tensors, metadata } = decodeSafetensors(await readFile(out));
    expect(metadata).toMatchObject({ layout: 'torch', format: 'nabla-mnist-mlp', seed: '1' });
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({
      '0.weight': [256, 784],
      '0.bias': [256],
      '2.weight': [10, 256],
      '2.bias': [10],
    });
    expect(tensors['0.weight']?.get(5, 100)).toBe(model.net.stateDict()['0.weight']?.get(100, 5));

    const refused = await cli(['eval', '--checkpoint', 'for-torch.safetensors']);
    expect(refused.code).toBe(EXIT.error);
    expect(refused.stderr).toMatch(/holds PyTorch-layout weights.*--layout nabla\|torch/);
    const original = await cli(['eval', '--checkpoint', 'model.safetensors']);
    const viaTorch = await cli([
      'eval',
      '--checkpoint',
      'for-torch.safetensors',
      '--layout',
      'torch',
    ]);
    expect(viaTorch.code).toBe(EXIT.ok);
    const accuracy = (s: string) => s.match(/^Test accuracy: ([\d.]+)%/m)?.[1];
    expect(accuracy(viaTorch.stdout)).toBeDefined();
    expect(accuracy(viaTorch.stdout)).toBe(accuracy(original.stdout));
  });

  it('says what is missing or wrong on the command line', async () => {
    expect((await cli(['export', '--checkpoint', 'model.safetensors'])).stderr).toContain(
      'export needs --format onnx or torch',
    );
    const bad = await cli(['export', '--checkpoint', 'm', '--format', 'tflite']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--format must be one of onnx, torch, got "tflite"');
    const same = await cli([
      'export',
      '--checkpoint',
      'model.safetensors',
      '--format',
      'torch',
      '--out',
      'model.safetensors',
    ]);
    expect(same.code).toBe(EXIT.error);
    expect(same.stderr).toMatch(/is the checkpoint itself/);
    expect((await cli(['export', '--format', 'onnx'])).stderr).toContain(
      'export needs --checkpoint FILE',
    );
  });
});
