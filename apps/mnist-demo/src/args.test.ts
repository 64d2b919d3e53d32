import { describe, expect, it } from 'vitest';
import { CNN_VALUES, DEFAULT_SEED, HELP, PRESET_VALUES, parseCommand, UsageError } from './args.js';

function train(argv: string[]) {
  const c = parseCommand(argv);
  if (c.kind !== 'train') throw new Error(`expected train, got ${c.kind}`);
  return c.config;
}

function usageError(argv: string[]): string {
  try {
    parseCommand(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('trains with the default preset when nothing is given', () => {
    const c = train([]);
    expect(c).toMatchObject({ ...PRESET_VALUES.default, preset: 'default', seed: DEFAULT_SEED });
    expect(c.limit).toBeUndefined();
    expect(c.out).toBeUndefined();
    expect(c.dataDir).toBeUndefined();
    expect(train(['train'])).toEqual(c);
  });

  it('reads every training flag', () => {
    const c = train(
      '--epochs 3 --batch-size 32 --lr 0.5 --hidden 64 --optimizer rmsprop --schedule step --seed 42 --data-dir d --limit 100 --out o'.split(
        ' ',
      ),
    );
    expect(c).toEqual({
      preset: 'default',
      epochs: 3,
      batchSize: 32,
      lr: 0.5,
      hidden: 64,
      model: 'mlp',
      optimizer: 'rmsprop',
      schedule: 'step',
      seed: 42,
      dataDir: 'd',
      limit: 100,
      out: 'o',
    });
    expect(train(['--lr=1e-3']).lr).toBe(0.001);
  });

  it('--preset paper is mini-batch SGD with α = 0.01, and explicit flags still win', () => {
    const paper = train(['--preset', 'paper']);
    expect(paper).toMatchObject({
      optimizer: 'sgd',
      lr: 0.01,
      schedule: 'constant',
      preset: 'paper',
    });
    expect(train(['--preset', 'paper', '--epochs', '2', '--lr', '0.05'])).toMatchObject({
      optimizer: 'sgd',
      epochs: 2,
      lr: 0.05,
    });
  });

  it('--model cnn trains the CNN with its own epochs and lr; explicit flags still win', () => {
    expect(train([]).model).toBe('mlp');
    expect(train(['--model', 'mlp'])).toEqual(train([]));
    expect(CNN_VALUES).toEqual({ epochs: 3, lr: 2e-3 });
    expect(train(['--model', 'cnn'])).toMatchObject({
      ...PRESET_VALUES.default,
      epochs: 3,
      lr: 0.002,
      model: 'cnn',
    });
    expect(train(['--model', 'cnn', '--epochs', '5', '--lr', '0.01'])).toMatchObject({
      model: 'cnn',
      epochs: 5,
      lr: 0.01,
    });
    // The paper preset keeps its own values for either network.
    expect(train(['--model', 'cnn', '--preset', 'paper'])).toMatchObject({
      ...PRESET_VALUES.paper,
      model: 'cnn',
    });
    expect(HELP).toContain('--model NAME        mlp or cnn');
  });

  it('names a bad --model, --hidden with the CNN, and --model outside train', () => {
    expect(usageError(['--model', 'resnet'])).toBe('--model must be one of mlp, cnn, got "resnet"');
    expect(usageError(['--model', 'cnn', '--hidden', '64'])).toBe(
      "--hidden sets the MLP's width: it does not apply to --model cnn",
    );
    expect(usageError(['eval', '--checkpoint', 'm', '--model', 'cnn'])).toContain(
      '--model does not apply to eval',
    );
    expect(usageError(['--modle', 'cnn'])).toContain('(did you mean --model?)');
  });

  it('parses eval and predict', () => {
    expect(parseCommand(['eval', '--checkpoint', 'm.safetensors'])).toEqual({
      kind: 'eval',
      checkpoint: 'm.safetensors',
      dataDir: undefined,
      batchSize: 1000,
    });
    expect(parseCommand(['predict', '--checkpoint', 'm', '--index', '0'])).toMatchObject({
      kind: 'predict',
      index: 0,
      image: undefined,
    });
    expect(parseCommand(['predict', '--checkpoint', 'm', '--image', 'a.png'])).toMatchObject({
      kind: 'predict',
      image: 'a.png',
      index: undefined,
    });
  });

  it('returns the help text for --help and -h', () => {
    for (const argv of [['--help'], ['-h'], ['eval', '--help']]) {
      const c = parseCommand(argv);
      expect(c.kind).toBe('help');
      if (c.kind === 'help') {
        for (const flag of [
          '--epochs',
          '--batch-size',
          '--lr',
          '--hidden',
          '--optimizer',
          '--schedule',
          '--seed',
          '--data-dir',
          '--limit',
          '--out',
          '--preset',
          '--checkpoint',
          '--image',
          '--index',
        ]) {
          expect(c.text).toContain(flag);
        }
      }
    }
  });

  it('names an unknown flag, with the closest known one', () => {
    expect(usageError(['--epoch', '3'])).toMatch(
      /Unknown option '--epoch'.*\(did you mean --epochs\?\)$/,
    );
    expect(usageError(['--optimzer', 'adam'])).toMatch(/\(did you mean --optimizer\?\)$/);
    expect(usageError(['--batchsize=3'])).toMatch(/\(did you mean --batch-size\?\)$/);
    expect(usageError(['--colour', 'red'])).toMatch(/Unknown option '--colour'$/);
  });

  it("gives a negative value after a space the flag's own message", () => {
    expect(usageError(['--epochs', '-1'])).toBe('--epochs must be a positive integer, got "-1"');
    expect(usageError(['--lr', '-1e-3'])).toBe('--lr must be a positive number, got "-1e-3"');
    expect(usageError(['--seed', '-3'])).toBe(
      '--seed must be an integer from 0 to 4294967295, got "-3"',
    );
  });

  it('lists in each usage line every flag its command accepts', () => {
    const usage = (command: string) =>
      HELP.split('\n').find((line) => line.includes(`pnpm demo ${command} `)) ?? '';
    for (const flag of ['--checkpoint', '--data-dir', '--batch-size']) {
      expect(usage('eval')).toContain(flag);
    }
    for (const flag of ['--checkpoint', '--image', '--index', '--data-dir']) {
      expect(usage('predict')).toContain(flag);
    }
  });

  it('names the flag and the value for a bad value', () => {
    expect(usageError(['--epochs', '0'])).toBe('--epochs must be a positive integer, got "0"');
    expect(usageError(['--epochs', '2.5'])).toBe('--epochs must be a positive integer, got "2.5"');
    expect(usageError(['--batch-size', 'many'])).toBe(
      '--batch-size must be a positive integer, got "many"',
    );
    expect(usageError(['--lr=-1'])).toBe('--lr must be a positive number, got "-1"');
    expect(usageError(['--lr', 'fast'])).toBe('--lr must be a positive number, got "fast"');
    expect(usageError(['--seed=-3'])).toBe(
      '--seed must be an integer from 0 to 4294967295, got "-3"',
    );
    expect(usageError(['--schedule', 'linear'])).toBe(
      '--schedule must be one of constant, step, cosine, exponential, got "linear"',
    );
    expect(usageError(['--preset', 'fast'])).toBe(
      '--preset must be one of default, paper, got "fast"',
    );
    expect(usageError(['--optimizer', ''])).toBe('--optimizer needs a value');
  });

  it('rejects a missing value, flags of another command and a second command', () => {
    expect(usageError(['--epochs'])).toMatch(/--epochs/);
    expect(usageError(['eval', '--checkpoint', 'm', '--epochs', '3'])).toMatch(
      /--epochs does not apply to eval/,
    );
    expect(usageError(['--checkpoint', 'm'])).toMatch(/--checkpoint does not apply to train/);
    expect(usageError(['fit'])).toBe(
      'unknown command "fit": expected train, eval, predict or export',
    );
    expect(usageError(['eval', 'predict'])).toMatch(/at most one command/);
  });

  it('asks eval and predict for what they need', () => {
    expect(usageError(['eval'])).toBe('eval needs --checkpoint FILE');
    expect(usageError(['predict', '--checkpoint', 'm'])).toBe(
      'predict needs exactly one of --image PNG or --index N',
    );
    expect(usageError(['predict', '--checkpoint', 'm', '--index', '1', '--image', 'a.png'])).toBe(
      'predict needs exactly one of --image PNG or --index N',
    );
    expect(usageError(['predict', '--checkpoint', 'm', '--index', 'x'])).toMatch(
      /--index must be an integer/,
    );
  });

  it('takes --resume DIR with the flags given (to check), caps --hidden, refuses --out with it', () => {
    const c = parseCommand(['train', '--resume', 'runs/a', '--hidden', '16', '--batch-size', '8']);
    expect(c).toMatchObject({ kind: 'train', resume: 'runs/a', given: ['hidden', 'batchSize'] });
    expect(parseCommand(['train'])).not.toHaveProperty('resume');
    expect(usageError(['--resume', 'a', '--out', 'b'])).toBe(
      '--resume DIR writes to DIR: it cannot be combined with --out',
    );
    expect(usageError(['--hidden', '16385'])).toBe('--hidden must be at most 16384, got "16385"');
  });
});
