import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx } from '@nabla/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnist, tempDir } from './test-support.js';
import { decodeTrainingState, STATE_FILE } from './training-state.js';

// Stops real child processes of the built CLI by a real signal (the CLI sends it to itself after
// the batch named in MNIST_DEMO_SIGNAL_AT), resumes them, and compares the final checkpoint with
// an uninterrupted run's, byte for byte (weights and metadata).

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let cwd: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir: cwd, remove } = await tempDir('resume'));
  // A small --data-dir (the first 320 training and 500 test images of MNIST), so that each
  // child process loads and evaluates little.
  const { train, test } = await mnist();
  const data = join(cwd, 'data');
  await mkdir(data);
  const write = (file: string, shape: number[], bytes: Uint8Array) =>
    writeFile(join(data, file), encodeIdx({ dtype: 'uint8', shape, data: bytes }));
  await write('train-images-idx3-ubyte', [320, 28, 28], train.images.slice(0, 320 * 784));
  await write('train-labels-idx1-ubyte', [320], train.labels.slice(0, 320));
  await write('t10k-images-idx3-ubyte', [500, 28, 28], test.images.slice(0, 500 * 784));
  await write('t10k-labels-idx1-ubyte', [500], test.labels.slice(0, 500));
});
afterAll(() => remove());

function demo(
  args: string[],
  signalAt?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.INIT_CWD;
  delete env.MNIST_DEMO_SIGNAL_AT;
  if (signalAt !== undefined) env.MNIST_DEMO_SIGNAL_AT = signalAt;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd, env, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// 320 images in batches of 32: 10 batches per epoch, 3 epochs; Adam (stateful) with the cosine
// schedule stepped every batch, so the optimizer, the schedule and the shuffle all must resume.
const FLAGS = ['--data-dir', 'data', '--batch-size', '32', '--epochs', '3'].concat([
  '--hidden',
  '16',
  '--seed',
  '5',
]);

async function state(dir: string): Promise<{ epoch: number; batch: number }> {
  const s = decodeTrainingState(await readFile(join(dir, STATE_FILE)), dir);
  return { epoch: s.epoch, batch: s.batch };
}

describe('train --resume (child processes stopped by signals)', () => {
  let reference: Buffer;
  beforeAll(async () => {
    const r = await demo(['train', ...FLAGS, '--out', join(cwd, 'whole')]);
    expect(r.code, r.stderr).toBe(0);
    reference = await readFile(join(cwd, 'whole', 'model.safetensors'));
  }, 120_000);

  it('stopped mid-epoch by SIGTERM and resumed: the same checkpoint bytes', async () => {
    const out = join(cwd, 'mid');
    const stopped = await demo(['train', ...FLAGS, '--out', out], '2:4:SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(await state(out)).toEqual({ epoch: 2, batch: 4 });
    const interrupted = await readFile(join(out, 'model.safetensors'));
    expect(interrupted.equals(reference)).toBe(false);
    const resumed = await demo(['train', '--resume', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('at epoch 2, batch 4');
    expect((await readFile(join(out, 'model.safetensors'))).equals(reference)).toBe(true);
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.status).toBe('completed');
    expect(metrics.epochs.map((e: { samples: number }) => e.samples)).toEqual([320, 320, 320]);
  }, 120_000);

  it('stopped at an epoch end by SIGINT, resumed twice: the same checkpoint bytes', async () => {
    const out = join(cwd, 'end');
    const stopped = await demo(['train', ...FLAGS, '--out', out], '1:10:SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(await state(out)).toEqual({ epoch: 2, batch: 0 });
    // Stopped again, mid-epoch, while resuming.
    const again = await demo(['train', '--resume', out], '3:7:SIGTERM');
    expect(again.code, again.stderr).toBe(143);
    expect(await state(out)).toEqual({ epoch: 3, batch: 7 });
    const resumed = await demo(['train', '--resume', out, '--epochs', '3', '--hidden', '16']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readFile(join(out, 'model.safetensors'))).equals(reference)).toBe(true);
  }, 120_000);

  it('refuses to resume with other model flags, naming the difference', async () => {
    const r = await demo([
      'train',
      '--resume',
      join(cwd, 'whole'),
      '--hidden',
      '32',
      '--lr',
      '0.1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '--hidden 32 (the saved run has 16); --lr 0.1 (the saved run has 0.003). Drop these flags',
    );
    const none = await demo(['train', '--resume', join(cwd, 'nothing-here')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`there is no ${STATE_FILE} in it`);
  }, 60_000);
});

// The CNN: its BatchNorm running statistics are part of the saved state, so a resumed run must
// restore them too (without them the resumed run's evaluation and checkpoint would differ).
// 160 images in batches of 32: 5 batches per epoch, 2 epochs.
const CNN_FLAGS = ['--data-dir', 'data', '--model', 'cnn', '--limit', '160'].concat([
  '--batch-size',
  '32',
  '--epochs',
  '2',
  '--seed',
  '5',
]);

describe('train --model cnn --resume (child processes stopped by signals)', () => {
  it('stopped mid-epoch by SIGTERM and resumed: the same checkpoint bytes as an uninterrupted run', async () => {
    const whole = await demo(['train', ...CNN_FLAGS, '--out', join(cwd, 'cnn-whole')]);
    expect(whole.code, whole.stderr).toBe(0);
    const reference = await readFile(join(cwd, 'cnn-whole', 'model.safetensors'));
    const saved = decodeTrainingState(await readFile(join(cwd, 'cnn-whole', STATE_FILE)), 'w');
    expect(saved.weights['6.num_batches_tracked']?.data[0]).toBe(10);

    const out = join(cwd, 'cnn-mid');
    const stopped = await demo(['train', ...CNN_FLAGS, '--out', out], '2:2:SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(await state(out)).toEqual({ epoch: 2, batch: 2 });
    const cut = decodeTrainingState(await readFile(join(out, STATE_FILE)), out);
    expect(cut.weights['2.num_batches_tracked']?.data[0]).toBe(7);
    expect(cut.weights['2.running_mean']?.data.some((v) => v !== 0)).toBe(true);
    const resumed = await demo(['train', '--resume', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('Training Conv(1→32, 5×5)');
    expect(resumed.stdout).toContain('at epoch 2, batch 2');
    expect((await readFile(join(out, 'model.safetensors'))).equals(reference)).toBe(true);
  }, 180_000);

  it('refuses to resume with another --model, naming it', async () => {
    const cnn = await demo(['train', '--resume', join(cwd, 'cnn-whole'), '--model', 'mlp']);
    expect(cnn.code).toBe(1);
    expect(cnn.stderr).toContain(
      '--model mlp (the saved run has cnn). Drop these flags to continue it as it was.',
    );
    const mlp = await demo(['train', '--resume', join(cwd, 'whole'), '--model', 'cnn']);
    expect(mlp.code).toBe(1);
    expect(mlp.stderr).toContain('--model cnn (the saved run has mlp)');
  }, 60_000);
});
