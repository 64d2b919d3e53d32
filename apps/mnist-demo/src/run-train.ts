import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { backendName } from '@nabla/tensor';
import { MAX_HIDDEN, SCHEDULES, type TrainConfig } from './args.js';
import { encodeCheckpoint } from './checkpoint.js';
import { commitOutputs, recoverOutputs } from './commit-outputs.js';
import { loadData } from './data.js';
import { type Evaluation, formatEvaluation } from './evaluate.js';
import type { EpochRecord } from './metrics.js';
import { CNN_CHANNELS, describeModel, MODELS } from './model.js';
import { resolveOptimizer } from './optimizer.js';
import { type OutputDir, prepareOutputDir, removeIfEmpty } from './output-dir.js';
import { renderPlot } from './plot.js';
import type { ProgressReporter } from './progress.js';
import { type Snapshot, train } from './train.js';
import {
  encodeTrainingState,
  loadTrainingState,
  STATE_FILE,
  type TrainingState,
} from './training-state.js';
import { versions } from './versions.js';

/** Where a command reads and writes. */
export interface RunIo {
  stdout: NodeJS.WritableStream;
  /** Folder that relative paths (--out, --data-dir, --checkpoint, --image) are taken from. */
  cwd: string;
  progress?: ProgressReporter;
  /** Asked after every batch; true stops training there (Ctrl-C, SIGTERM). */
  shouldStop?: () => boolean;
  /** Told after every batch: the epoch (1-based) and the batches done in it. */
  onBatch?: (epoch: number, batch: number) => void;
  now?: () => number;
  date?: () => Date;
}

export interface TrainRun {
  outDir: string;
  interrupted: boolean;
  final: Evaluation;
  epochs: EpochRecord[];
  files: { checkpoint: string; metrics: string; plot: string; state: string };
}

/** How `train --resume DIR` is asked for: the folder, and which flags were given with it. */
export interface ResumeRequest {
  dir: string;
  given: readonly (keyof TrainConfig)[];
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

const FLAG: Readonly<Record<keyof TrainConfig, string>> = {
  preset: '--preset',
  epochs: '--epochs',
  batchSize: '--batch-size',
  lr: '--lr',
  hidden: '--hidden',
  model: '--model',
  optimizer: '--optimizer',
  schedule: '--schedule',
  seed: '--seed',
  dataDir: '--data-dir',
  limit: '--limit',
  out: '--out',
};

/**
 * The configuration of the run saved in `state`; the flags given on the command line must agree
 * with it (resuming with another --hidden, --lr, … would not continue the same run).
 */
function resumedConfig(
  state: TrainingState,
  requested: TrainConfig,
  request: ResumeRequest,
  dir: string,
  cwd: string,
): TrainConfig {
  const saved = state.config as Record<string, unknown>;
  const bad = (key: string, what: string): never => {
    throw new Error(
      `--resume ${dir}: the saved config's ${key} is ${JSON.stringify(saved[key])}, not ${what}`,
    );
  };
  const int = (key: string, max: number): void => {
    const v = saved[key];
    if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) {
      bad(key, `an integer from 1 to ${max}`);
    }
  };
  int('epochs', Number.MAX_SAFE_INTEGER);
  int('batchSize', Number.MAX_SAFE_INTEGER);
  int('hidden', MAX_HIDDEN);
  if (typeof saved.lr !== 'number' || !(saved.lr > 0) || !Number.isFinite(saved.lr)) {
    bad('lr', 'a positive number');
  }
  if (!Number.isSafeInteger(saved.seed) || (saved.seed as number) < 0) bad('seed', 'a seed');
  if (typeof saved.optimizer !== 'string') bad('optimizer', 'a name');
  if (!(SCHEDULES as readonly unknown[]).includes(saved.schedule)) bad('schedule', 'a schedule');
  if (saved.limit !== null && saved.limit !== undefined) int('limit', Number.MAX_SAFE_INTEGER);
  // Runs saved before --model existed were all MLPs.
  if (saved.model !== undefined && !(MODELS as readonly unknown[]).includes(saved.model)) {
    bad('model', MODELS.join(' or '));
  }
  const config = {
    ...requested,
    ...saved,
    model: saved.model ?? 'mlp',
    dataDir: typeof saved.dataDir === 'string' ? saved.dataDir : undefined,
    limit: typeof saved.limit === 'number' ? saved.limit : undefined,
    out: dir,
  } as TrainConfig;
  const differences: string[] = [];
  for (const key of request.given) {
    if (key === 'out') continue;
    const mine =
      key === 'dataDir' && requested.dataDir !== undefined
        ? resolve(cwd, requested.dataDir)
        : requested[key];
    if (mine !== config[key]) {
      differences.push(
        `${FLAG[key]} ${String(mine)} (the saved run has ${String(config[key] ?? 'none')})`,
      );
    }
  }
  if (differences.length > 0) {
    throw new Error(
      `--resume ${dir}: the run was saved with other settings: ${differences.join('; ')}. Drop these flags to continue it as it was.`,
    );
  }
  return config;
}

/**
 * `pnpm demo train`: loads MNIST, trains, evaluates, and writes model.safetensors, metrics.json,
 * plot.svg and training-state.safetensors into the output folder, as one unit, at every epoch end,
 * when stopped by a signal, and at the end. With `resume`, continues the run saved in a folder.
 */
export async function runTrain(
  requested: TrainConfig,
  io: RunIo,
  resumeRequest?: ResumeRequest,
): Promise<TrainRun> {
  const print = (line: string): void => {
    io.stdout.write(`${line}\n`);
  };
  const date = io.date ?? (() => new Date());
  const startedAt = date();
  let resumeState: TrainingState | undefined;
  let config = requested;
  let resumeDir: string | undefined;
  if (resumeRequest !== undefined) {
    resumeDir = resolve(io.cwd, resumeRequest.dir);
    for (const line of await recoverOutputs(resumeDir)) print(`${resumeDir}: ${line}`);
    resumeState = await loadTrainingState(resumeDir);
    config = resumedConfig(resumeState, requested, resumeRequest, resumeDir, io.cwd);
  }
  const dataDir = config.dataDir === undefined ? undefined : resolve(io.cwd, config.dataDir);
  const optimizerFactory = await resolveOptimizer(config.optimizer, io.cwd);
  const data = await loadData(dataDir, config.limit);
  const out: OutputDir =
    resumeDir === undefined
      ? await prepareOutputDir(config.out, io.cwd, startedAt)
      : { dir: resumeDir, created: false };
  const outDir = out.dir;
  if (resumeDir === undefined) {
    for (const line of await recoverOutputs(outDir)) print(`${outDir}: ${line}`);
  }
  const files = {
    checkpoint: join(outDir, 'model.safetensors'),
    metrics: join(outDir, 'metrics.json'),
    plot: join(outDir, 'plot.svg'),
    state: join(outDir, STATE_FILE),
  };
  // What the checkpoint records: no output path, so that two runs with the same flags write the
  // same bytes wherever they write them.
  const runConfig = { ...config, dataDir: dataDir ?? null, limit: config.limit ?? null };
  delete (runConfig as { out?: unknown }).out;

  const architecture = describeModel({
    kind: config.model,
    hidden: config.hidden,
    channels: CNN_CHANNELS,
  });
  print(
    `Training ${architecture} on ${data.train.length} MNIST images, testing on ${data.test.length} (${data.source})`,
  );
  print(
    `optimizer ${config.optimizer}, lr ${config.lr}, ${config.schedule} schedule, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}, backend ${backendName()}`,
  );
  if (resumeState !== undefined) {
    print(
      `Resuming ${outDir} at epoch ${resumeState.epoch}, batch ${resumeState.batch} (${resumeState.seconds.toFixed(1)} s trained so far)`,
    );
  }

  const save = async (s: Snapshot): Promise<void> => {
    const metrics = {
      status: s.status,
      config: { ...runConfig, out: outDir },
      seed: config.seed,
      backend: backendName(),
      versions: versions(),
      machine: {
        platform: process.platform,
        arch: process.arch,
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
      },
      data: {
        source: data.source,
        trainSamples: data.train.length,
        testSamples: data.test.length,
      },
      startedAt: startedAt.toISOString(),
      finishedAt: date().toISOString(),
      seconds: s.seconds,
      epochs: s.epochs,
      final: {
        testAccuracy: s.final.accuracy,
        perClassAccuracy: s.final.perClass,
        confusion: s.final.confusion,
      },
    };
    const subtitle = `${config.optimizer}, lr ${config.lr}, ${config.schedule}, batch ${config.batchSize}, ${config.model === 'cnn' ? 'cnn' : `hidden ${config.hidden}`}, seed ${config.seed}: final test accuracy ${pct(s.final.accuracy)}${s.status === 'completed' ? '' : ` (${s.status})`}`;
    await commitOutputs(outDir, {
      'model.safetensors': encodeCheckpoint(s.model, {
        config: JSON.stringify(runConfig),
        seed: String(config.seed),
        epochs: String(s.epochs.filter((e) => !e.interrupted).length),
        status: s.status,
        testAccuracy: String(s.final.accuracy),
      }),
      'metrics.json': `${JSON.stringify(metrics, jsonNumbers, 2)}\n`,
      'plot.svg': renderPlot(s.epochs, subtitle),
      [STATE_FILE]: encodeTrainingState({ ...s.state, config: runConfig }),
    });
  };

  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train({
      config,
      train: data.train,
      test: data.test,
      optimizerFactory,
      optimizerName: `--optimizer ${config.optimizer}`,
      ...(io.progress ? { progress: io.progress } : {}),
      ...(io.shouldStop ? { shouldStop: io.shouldStop } : {}),
      ...(io.now ? { now: io.now } : {}),
      ...(io.onBatch ? { onBatch: io.onBatch } : {}),
      ...(resumeState ? { resume: resumeState } : {}),
      onEpoch: (r) => print(epochLine(r, config.epochs)),
      onSnapshot: save,
    });
  } catch (e) {
    await removeIfEmpty(out);
    throw e;
  }

  print('');
  print(formatEvaluation(result.final));
  print('');
  if (result.interrupted) {
    print(
      `Interrupted: the outputs hold the model as it was after the last batch; continue with --resume ${outDir}`,
    );
  }
  print(
    `Final test accuracy: ${pct(result.final.accuracy)} after ${result.epochs.length} epoch${result.epochs.length === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s`,
  );
  const shown = (p: string): string => {
    const r = relative(io.cwd, p);
    return r.startsWith('..') ? p : r;
  };
  print(
    `Wrote ${shown(files.checkpoint)}, ${shown(files.metrics)}, ${shown(files.plot)}, ${shown(files.state)}`,
  );
  return {
    outDir,
    interrupted: result.interrupted,
    final: result.final,
    epochs: result.epochs,
    files,
  };
}
