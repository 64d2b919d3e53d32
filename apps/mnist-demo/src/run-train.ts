import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { backendName } from '@nabla/tensor';
import type { TrainConfig } from './args.js';
import { writeFileAtomic } from './atomic-write.js';
import { saveCheckpoint } from './checkpoint.js';
import { loadData } from './data.js';
import { type Evaluation, formatEvaluation } from './evaluate.js';
import type { EpochRecord } from './metrics.js';
import { describeModel } from './model.js';
import { resolveOptimizer } from './optimizer.js';
import { prepareOutputDir } from './output-dir.js';
import { renderPlot } from './plot.js';
import type { ProgressReporter } from './progress.js';
import { train } from './train.js';
import { versions } from './versions.js';

/** Where a command reads and writes. */
export interface RunIo {
  stdout: NodeJS.WritableStream;
  /** Folder that relative paths (--out, --data-dir, --checkpoint, --image) are taken from. */
  cwd: string;
  progress?: ProgressReporter;
  /** Asked after every batch; true stops training there (Ctrl-C). */
  shouldStop?: () => boolean;
  now?: () => number;
  date?: () => Date;
}

export interface TrainRun {
  outDir: string;
  interrupted: boolean;
  final: Evaluation;
  epochs: EpochRecord[];
  files: { checkpoint: string; metrics: string; plot: string };
}

const pct = (v: number): string => (Number.isNaN(v) ? '-' : `${(100 * v).toFixed(2)}%`);

function epochLine(r: EpochRecord, epochs: number): string {
  const head = `epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`;
  const tail = r.interrupted ? `  (interrupted after ${r.samples} samples)` : '';
  return `${head}  loss ${r.trainLoss.toFixed(4)}  train ${pct(r.trainAccuracy)}  test ${pct(r.testAccuracy)}  lr ${r.lr.toPrecision(3)}  ${r.seconds.toFixed(1)}s${tail}`;
}

/** NaN → null, so metrics.json stays valid JSON and says "no value" plainly. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/**
 * `pnpm demo train`: loads MNIST, trains, evaluates, and writes model.safetensors, metrics.json
 * and plot.svg into the output folder; also after an interruption, with what it has.
 */
export async function runTrain(config: TrainConfig, io: RunIo): Promise<TrainRun> {
  const print = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const date = io.date ?? (() => new Date());
  const startedAt = date();
  const dataDir = config.dataDir === undefined ? undefined : resolve(io.cwd, config.dataDir);
  const optimizerFactory = await resolveOptimizer(config.optimizer, io.cwd);
  const data = await loadData(dataDir, config.limit);
  const outDir = await prepareOutputDir(config.out, io.cwd, startedAt);

  print(
    `Training ${describeModel(config.model, config.hidden)} on ${data.train.length} MNIST images, testing on ${data.test.length} (${data.source})`,
  );
  print(
    `optimizer ${config.optimizer}, lr ${config.lr}, ${config.schedule} schedule, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}, backend ${backendName()}`,
  );
  const result = await train({
    config,
    train: data.train,
    test: data.test,
    optimizerFactory,
    ...(io.progress ? { progress: io.progress } : {}),
    ...(io.shouldStop ? { shouldStop: io.shouldStop } : {}),
    ...(io.now ? { now: io.now } : {}),
    onEpoch: (r) => print(epochLine(r, config.epochs)),
  });

  const finishedAt = date();
  const files = {
    checkpoint: join(outDir, 'model.safetensors'),
    metrics: join(outDir, 'metrics.json'),
    plot: join(outDir, 'plot.svg'),
  };
  const status = result.interrupted ? 'interrupted' : 'completed';
  const runConfig = {
    ...config,
    dataDir: dataDir ?? null,
    limit: config.limit ?? null,
    out: outDir,
  };
  await saveCheckpoint(files.checkpoint, result.model, {
    config: JSON.stringify(runConfig),
    seed: String(config.seed),
    epochs: String(result.epochs.filter((e) => !e.interrupted).length),
    status,
    testAccuracy: String(result.final.accuracy),
  });
  const metrics = {
    status,
    config: runConfig,
    seed: config.seed,
    backend: backendName(),
    versions: versions(),
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
    },
    data: { source: data.source, trainSamples: data.train.length, testSamples: data.test.length },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: result.seconds,
    epochs: result.epochs,
    final: {
      testAccuracy: result.final.accuracy,
      perClassAccuracy: result.final.perClass,
      confusion: result.final.confusion,
    },
  };
  await writeFileAtomic(files.metrics, `${JSON.stringify(metrics, jsonNumbers, 2)}\n`);
  const subtitle = `${config.optimizer}, lr ${config.lr}, ${config.schedule}, batch ${config.batchSize}, ${config.model === 'cnn' ? 'cnn' : `hidden ${config.hidden}`}, seed ${config.seed}: final test accuracy ${pct(result.final.accuracy)}${result.interrupted ? ' (interrupted)' : ''}`;
  await writeFileAtomic(files.plot, renderPlot(result.epochs, subtitle));

  print('');
  print(formatEvaluation(result.final));
  print('');
  if (result.interrupted)
    print(`Interrupted: the outputs hold the model as it was after the last batch.`);
  print(
    `Final test accuracy: ${pct(result.final.accuracy)} after ${result.epochs.length} epoch${result.epochs.length === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s`,
  );
  const shown = (p: string): string => {
    const r = relative(io.cwd, p);
    return r.startsWith('..') ? p : r;
  };
  print(`Wrote ${shown(files.checkpoint)}, ${shown(files.metrics)}, ${shown(files.plot)}`);
  return {
    outDir,
    interrupted: result.interrupted,
    final: result.final,
    epochs: result.epochs,
    files,
  };
}
