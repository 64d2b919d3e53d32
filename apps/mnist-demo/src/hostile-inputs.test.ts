import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { access, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '@nabla/data';
import { encodeSafetensors, Tensor } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from './checkpoint.js';
import { commitOutputs, JOURNAL, recoverOutputs } from './commit-outputs.js';
import { EXIT, main } from './main.js';
import { createMlp } from './model.js';
import { mnist, sink, tempDir } from './test-support.js';
import { decodeTrainingState, encodeTrainingState, STATE_FILE } from './training-state.js';

// One test (or more) per defect of issue 14, each failing on the code before the fix.

let cwd: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir: cwd, remove } = await tempDir('hostile'));
});
afterAll(() => remove());

async function run(
  argv: string[],
  onBatch?: (epoch: number, batch: number, signals: EventEmitter) => void,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const signals = new EventEmitter();
  const code = await main(argv, {
    stdout: out.stream,
    stderr: err.stream,
    cwd,
    signals,
    exit: () => undefined,
    tty: false,
    ...(onBatch ? { onBatch: (e: number, b: number) => onBatch(e, b, signals) } : {}),
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** A --data-dir of `n` training and `m` test images of the real MNIST (raw IDX files). */
async function dataDir(name: string, n: number, m: number): Promise<string> {
  const { train, test } = await mnist();
  const dir = join(cwd, name);
  await mkdir(dir, { recursive: true });
  const write = async (file: string, shape: number[], data: Uint8Array) =>
    writeFile(join(dir, file), encodeIdx({ dtype: 'uint8', shape, data }));
  await write('train-images-idx3-ubyte', [n, 28, 28], train.images.slice(0, n * 784));
  await write('train-labels-idx1-ubyte', [n], train.labels.slice(0, n));
  await write('t10k-images-idx3-ubyte', [m, 28, 28], test.images.slice(0, m * 784));
  await write('t10k-labels-idx1-ubyte', [m], test.labels.slice(0, m));
  return dir;
}

describe('issue 14: training that cannot be trusted is refused', () => {
  it('1, 12: a run whose last step makes the weights non-finite fails (exit 1), leaving no folder', async () => {
    const out = join(cwd, 'diverged');
    const r = await run([
      'train',
      ...['--limit', '600', '--epochs', '1', '--batch-size', '600', '--hidden', '16'],
      ...['--optimizer', 'sgd', '--lr', '1e40', '--schedule', 'constant', '--out', out],
    ]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toMatch(
      /^mnist-demo: training diverged in epoch 1 \(after 600 samples\) \(lr 1e\+40; try a smaller --lr\): the weights are no longer finite: \d+ of the 12544 values of "0\.weight" are NaN or infinite/,
    );
    expect(r.stdout).not.toContain('Final test accuracy');
    expect(await exists(out)).toBe(false);
  });

  it('2: a checkpoint with NaN or infinite weights is refused by eval and predict', async () => {
    const model = createMlp(8);
    const w = model.net.parameters().find((p) => p.name === '2.weight');
    if (w === undefined) throw new Error('no 2.weight');
    w.value.data[5] = Number.NaN;
    w.value.data[7] = Number.POSITIVE_INFINITY;
    const file = join(cwd, 'nan.safetensors');
    await writeFile(file, encodeCheckpoint(model));
    for (const argv of [
      ['eval', '--checkpoint', file],
      ['predict', '--checkpoint', file, '--index', '0'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(EXIT.error);
      expect(r.stderr).toBe(
        `mnist-demo: checkpoint ${file}: the weights are not finite: 2 of the 80 values of "2.weight" are NaN or infinite (the first at index 5: NaN)\n`,
      );
    }
  });
});

describe('issue 14: hostile files and flags', () => {
  it('3, 10: a gzip bomb in --data-dir stops at the size its header declares', async () => {
    const dir = await dataDir('bomb', 10, 10);
    const images = await readFile(join(dir, 'train-images-idx3-ubyte'));
    const raw = new Uint8Array(images.length + 64 * 2 ** 20);
    raw.set(images);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(raw, { level: 1 }));
    await rm(join(dir, 'train-images-idx3-ubyte')); // so that the .gz is the one read
    const r = await run(['train', '--data-dir', dir, '--epochs', '1', '--out', join(cwd, 'b')]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toMatch(
      /train-images-idx3-ubyte\.gz: the gzip stream inflates to more than the 7856 bytes its IDX header declares; stopped after inflating \d+ bytes/,
    );
    expect(r.stderr).not.toContain('corrupt');
  });

  it('4: a PNG declaring 30000×30000 is refused before decoding, naming the file', async () => {
    const model = join(cwd, 'ok.safetensors');
    await writeFile(model, encodeCheckpoint(createMlp(8)));
    // Signature + IHDR (30000 × 30000, 8-bit RGBA) with its CRC, then IEND.
    const ihdr = Buffer.from('0000000d494844520000753000007530080600000000000000', 'hex');
    const { crc32 } = await import('node:zlib');
    ihdr.writeUInt32BE(crc32(ihdr.subarray(4, 21)), 21);
    const file = join(cwd, 'huge.png');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from('89504e470d0a1a0a', 'hex'),
        ihdr,
        Buffer.from('0000000049454e44ae426082', 'hex'),
      ]),
    );
    const r = await run(['predict', '--checkpoint', model, '--image', file]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toContain(`${file}: the PNG declares 30000×30000 pixels, over the limit`);
  });

  it('5, 10: --hidden has an upper bound, and a checkpoint with 0 hidden units is named', async () => {
    const r = await run(['train', '--hidden', '1e8']);
    expect(r.code).toBe(EXIT.usage);
    const big = await run(['train', '--hidden', '100000000']);
    expect(big.code).toBe(EXIT.usage);
    expect(big.stderr).toContain('--hidden must be at most 16384, got "100000000"');
    const file = join(cwd, 'zero.safetensors');
    await writeFile(
      file,
      encodeSafetensors(
        {
          '0.weight': new Tensor('float32', new Float32Array(0), [784, 0]),
          '0.bias': new Tensor('float32', new Float32Array(0), [0]),
          '2.weight': new Tensor('float32', new Float32Array(0), [0, 10]),
          '2.bias': new Tensor('float32', new Float32Array(10), [10]),
        },
        { format: 'nabla-mnist-mlp', layout: 'nabla' },
      ),
    );
    const e = await run(['eval', '--checkpoint', file]);
    expect(e.code).toBe(EXIT.error);
    expect(e.stderr).toBe(
      `mnist-demo: checkpoint ${file}: "0.weight" has 0 hidden units; the demo takes 1 to 16384\n`,
    );
  });

  it('6: a huge safetensors header or tensor count is refused with a short message', async () => {
    const entries = Array.from(
      { length: 5000 },
      (_, i) => `"${'t'.repeat(200)}${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`,
    );
    const header = Buffer.from(`{${entries.join(',')}}`);
    const len = Buffer.alloc(8);
    len.writeUInt32LE(header.length, 0);
    const big = join(cwd, 'big-header.safetensors');
    await writeFile(big, Buffer.concat([len, header]));
    const r = await run(['eval', '--checkpoint', big]);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toMatch(/header length \d+ is over the limit of 65536 bytes/);
    expect(r.stderr.length).toBeLessThan(400);
    // Under the header cap but with more tensors than a demo checkpoint can hold.
    const few = Buffer.from(`{${entries.slice(0, 40).join(',')}}`);
    len.writeUInt32LE(few.length, 0);
    const many = join(cwd, 'many.safetensors');
    await writeFile(many, Buffer.concat([len, few]));
    const m = await run(['eval', '--checkpoint', many]);
    expect(m.stderr).toContain('the header lists 40 tensors, over the limit of 16 (maxTensors)');
    expect(m.stderr.length).toBeLessThan(400);
  });

  it('10: over-large files, a failing optimizer factory, --lr 1e308 and an unwritable --out are named', async () => {
    const huge = join(cwd, 'huge.safetensors');
    await writeFile(huge, '');
    await truncate(huge, 300 * 2 ** 20); // sparse: no disk used
    const h = await run(['eval', '--checkpoint', huge]);
    expect(h.stderr).toBe(
      `mnist-demo: checkpoint ${huge} is 314572800 bytes, over the demo's limit of 268435456 bytes\n`,
    );
    const boom = join(cwd, 'boom.mjs');
    await writeFile(
      boom,
      'export function createOptimizer() { throw new Error("factory boom"); }\n',
    );
    const b = await run(['train', '--limit', '100', '--optimizer', boom, '--out', join(cwd, 'x')]);
    expect(b.code).toBe(EXIT.error);
    expect(b.stderr).toBe(
      `mnist-demo: --optimizer ${boom} with --lr 0.003 could not be created: factory boom\n`,
    );
    expect(await exists(join(cwd, 'x'))).toBe(false);
    const lr = await run(['train', '--limit', '100', '--lr', '1e308', '--out', join(cwd, 'y')]);
    expect(lr.stderr).toMatch(/^mnist-demo: --lr 1e\+308 with --schedule cosine: .*Infinity/);
    // A path through a file cannot be created (the old message was a bare "ENOTDIR … mkdir").
    const ro = await run(['train', '--limit', '100', '--out', join(boom, 'out')]);
    expect(ro.code).toBe(EXIT.error);
    expect(ro.stderr).toBe(
      `mnist-demo: --out ${join(boom, 'out')}: cannot create the folder: ENOTDIR: not a directory\n`,
    );
  });

  it('12: an unwritable existing --out fails before the first epoch', async () => {
    const r = await run(['train', '--limit', '100', '--epochs', '1', '--out', '/proc/self']);
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toMatch(/^mnist-demo: --out \/proc\/self is not writable: E/);
    expect(r.stdout).not.toMatch(/^epoch/m);
  });

  it('11: an empty training or test split is refused, naming the folder', async () => {
    const noTrain = await dataDir('no-train', 0, 10);
    const t = await run(['train', '--data-dir', noTrain, '--out', join(cwd, 'e1')]);
    expect(t.code).toBe(EXIT.error);
    expect(t.stderr).toBe(
      `mnist-demo: ${noTrain}: the training split holds no images; the demo needs at least one\n`,
    );
    const noTest = await dataDir('no-test', 10, 0);
    const model = join(cwd, 'ok2.safetensors');
    await writeFile(model, encodeCheckpoint(createMlp(8)));
    const e = await run(['eval', '--checkpoint', model, '--data-dir', noTest]);
    expect(e.code).toBe(EXIT.error);
    expect(e.stderr).toContain('the test split holds no images');
  });
});

describe('issue 14: outputs', () => {
  it('7: temporary files of killed runs are removed; those of live processes are kept', async () => {
    const out = join(cwd, 'stale');
    await mkdir(out);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const names = [
      `.model.safetensors.${dead}.0123456789ab.tmp`,
      '.metrics.json.0123456789ab.tmp', // the old naming, without a pid
      '.plot.svg.1.0123456789ab.tmp', // pid 1 is alive
      'notes.txt',
    ];
    for (const n of names) await writeFile(join(out, n), 'x');
    const r = await run(['train', '--limit', '64', '--epochs', '1', '--hidden', '8', '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain(`removed .model.safetensors.${dead}.0123456789ab.tmp`);
    expect((await readdir(out)).sort()).toEqual([
      '.plot.svg.1.0123456789ab.tmp',
      'metrics.json',
      'model.safetensors',
      'notes.txt',
      'plot.svg',
      'training-state.safetensors',
    ]);
  });

  it('8: a commit killed between its renames is finished by the next reader, never mixed', async () => {
    const dir = join(cwd, 'mixed');
    await mkdir(dir);
    await commitOutputs(dir, { 'a.txt': 'run 1', 'b.txt': 'run 1' });
    // Run 3's files were on disk under temporary names and its journal written; the kill came
    // after the first rename.
    await commitOutputs(dir, { 'a.txt': 'run 2', 'b.txt': 'run 2' });
    const journal = {
      renames: [
        ['.a.txt.1.aaaaaaaaaaaa.tmp', 'a.txt'],
        ['.b.txt.1.bbbbbbbbbbbb.tmp', 'b.txt'],
      ],
    };
    await writeFile(join(dir, '.b.txt.1.bbbbbbbbbbbb.tmp'), 'run 3');
    await writeFile(join(dir, 'a.txt'), 'run 3'); // a.txt was renamed before the kill
    await writeFile(join(dir, JOURNAL), JSON.stringify(journal));
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('run 2'); // mixed on disk
    expect(await recoverOutputs(dir)).toEqual(['finished writing b.txt']);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('run 3');
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('run 3');
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('8: a commit killed before its journal leaves the previous run whole', async () => {
    const dir = join(cwd, 'whole');
    await mkdir(dir);
    await commitOutputs(dir, { 'a.txt': 'run 1', 'b.txt': 'run 1' });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    await writeFile(join(dir, `.a.txt.${dead}.cccccccccccc.tmp`), 'run 2');
    await recoverOutputs(dir);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('run 1');
    expect((await readdir(dir)).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('13: SIGTERM stops after the batch, saves the outputs and exits 143', async () => {
    const out = join(cwd, 'term');
    const r = await run(
      [
        'train',
        '--limit',
        '256',
        '--batch-size',
        '32',
        '--epochs',
        '2',
        '--hidden',
        '8',
        '--out',
        out,
      ],
      (epoch, batch, signals) => {
        if (epoch === 1 && batch === 3) signals.emit('SIGTERM');
      },
    );
    expect(r.code).toBe(EXIT.terminated);
    expect(r.stderr).toContain('SIGTERM: stopping after this batch');
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.status).toBe('interrupted');
    expect(metrics.epochs[0].samples).toBe(96);
  });

  it('14: two runs with the same flags write the same model bytes into different folders', async () => {
    const flags = ['train', '--limit', '128', '--epochs', '1', '--hidden', '8', '--seed', '3'];
    expect((await run([...flags, '--out', join(cwd, 'same-1')])).code).toBe(EXIT.ok);
    expect((await run([...flags, '--out', join(cwd, 'nested', 'same-2')])).code).toBe(EXIT.ok);
    const a = await readFile(join(cwd, 'same-1', 'model.safetensors'));
    const b = await readFile(join(cwd, 'nested', 'same-2', 'model.safetensors'));
    expect(a.equals(b)).toBe(true);
    expect(a.toString('latin1')).not.toContain(cwd);
  });

  it('a tampered training state is refused by --resume, naming what is wrong', async () => {
    const out = join(cwd, 'tampered');
    const flags = ['--limit', '64', '--epochs', '2', '--hidden', '8', '--out', out];
    expect((await run(['train', ...flags])).code).toBe(EXIT.ok);
    const path = join(out, STATE_FILE);
    const state = decodeTrainingState(await readFile(path), path);
    await writeFile(
      path,
      encodeTrainingState({ ...state, config: { ...state.config, hidden: 1e9 } }),
    );
    const big = await run(['train', '--resume', out]);
    expect(big.code).toBe(EXIT.error);
    expect(big.stderr).toBe(
      `mnist-demo: --resume ${out}: the saved config's hidden is 1000000000, not an integer from 1 to 16384\n`,
    );
    await writeFile(
      path,
      encodeTrainingState({
        ...state,
        epoch: 1,
        optimizer: { ...state.optimizer, optimizer: 'SGD' },
      }),
    );
    const other = await run(['train', '--resume', out]);
    expect(other.code).toBe(EXIT.error);
    expect(other.stderr).toMatch(
      /^mnist-demo: the saved training state does not fit this run: Adam\.loadStateDict: the state is for optimizer "SGD"/,
    );
    await writeFile(path, 'not a state');
    const junk = await run(['train', '--resume', out]);
    expect(junk.stderr).toMatch(new RegExp(`^mnist-demo: ${path}: safetensors: `));
  });
});
