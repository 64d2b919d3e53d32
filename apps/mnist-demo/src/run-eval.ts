import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MnistDataset } from '@nabla/data';
import type { WeightLayout } from '@nabla/interop';
import { Softmax } from '@nabla/layers';
import { Tensor } from '@nabla/tensor';
import { loadCheckpoint } from './checkpoint.js';
import { loadData } from './data.js';
import { type Evaluation, evaluate, formatEvaluation } from './evaluate.js';
import { CLASSES, datasetOptions, describeModel, logits, sampleShape } from './model.js';
import { ImageError, pngToDigit } from './png.js';
import type { RunIo } from './run-train.js';

/** The largest --image file read (a 4096² RGBA PNG stored raw is 64 MiB). */
export const MAX_IMAGE_BYTES = 64 * 2 ** 20;

/** `pnpm demo eval --checkpoint FILE`: the saved model on the 10,000 test images. */
export async function runEval(
  options: {
    checkpoint: string;
    dataDir: string | undefined;
    batchSize: number;
    layout?: WeightLayout | undefined;
  },
  io: Pick<RunIo, 'stdout' | 'cwd'>,
): Promise<Evaluation> {
  const path = resolve(io.cwd, options.checkpoint);
  const { model } = await loadCheckpoint(path, { layout: options.layout });
  const data = await loadData(
    options.dataDir === undefined ? undefined : resolve(io.cwd, options.dataDir),
  );
  const result = evaluate(
    model,
    new MnistDataset(data.test, datasetOptions(model)),
    options.batchSize,
  );
  const what = model.kind === 'cnn' ? describeModel(model) : `hidden ${model.hidden}`;
  io.stdout.write(`Evaluating ${path} (${what}) on ${data.test.length} test images\n`);
  io.stdout.write(`${formatEvaluation(result)}\n`);
  return result;
}

export interface Prediction {
  digit: number;
  probabilities: number[];
  /** The true label, when the image came from the test set. */
  label?: number;
}

/** `pnpm demo predict --checkpoint FILE --image PNG | --index N`. */
export async function runPredict(
  options: {
    checkpoint: string;
    image: string | undefined;
    index: number | undefined;
    dataDir: string | undefined;
    layout?: WeightLayout | undefined;
  },
  io: Pick<RunIo, 'stdout' | 'cwd'>,
): Promise<Prediction> {
  const { model } = await loadCheckpoint(resolve(io.cwd, options.checkpoint), {
    layout: options.layout,
  });
  let pixels: Float32Array;
  let label: number | undefined;
  let what: string;
  if (options.image !== undefined) {
    const path = resolve(io.cwd, options.image);
    let bytes: Uint8Array;
    try {
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_IMAGE_BYTES) {
          throw new ImageError(
            `--image ${path} is ${size} bytes, over the limit of ${MAX_IMAGE_BYTES} bytes`,
          );
        }
        bytes = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (e) {
      if (e instanceof ImageError) throw e;
      throw new ImageError(
        `cannot read image ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    const digit = pngToDigit(bytes, path);
    pixels = digit.pixels;
    what = `${path} (${digit.width}×${digit.height}${digit.inverted ? ', dark on light: inverted' : ''})`;
  } else {
    const index = options.index as number;
    const { test } = await loadData(
      options.dataDir === undefined ? undefined : resolve(io.cwd, options.dataDir),
    );
    if (index >= test.length) {
      throw new RangeError(
        `--index ${index} is out of range: the test set has ${test.length} images (0–${test.length - 1})`,
      );
    }
    const dataset = new MnistDataset(test);
    const batch = dataset.createBatch(1);
    dataset.fillBatch(batch, Int32Array.of(index), 0, 1);
    pixels = batch.x.data;
    label = batch.y.data[0] as number;
    what = `test image ${index} (label ${label})`;
  }
  const x = new Tensor('float32', pixels, [1, ...sampleShape(model)]);
  const probs = new Softmax<'float32'>().forward(logits(model, x), { training: false });
  const probabilities = Array.from(probs.data);
  let digit = 0;
  for (let c = 1; c < CLASSES; c++)
    if ((probabilities[c] as number) > (probabilities[digit] as number)) digit = c;
  const lines = [`Prediction for ${what}: ${digit}`];
  probabilities.forEach((p, c) => {
    const bar = '█'.repeat(Math.round(p * 30));
    lines.push(`  ${c}  ${(100 * p).toFixed(2).padStart(6)}%  ${bar}${c === digit ? '  ←' : ''}`);
  });
  io.stdout.write(`${lines.join('\n')}\n`);
  return label === undefined ? { digit, probabilities } : { digit, probabilities, label };
}
