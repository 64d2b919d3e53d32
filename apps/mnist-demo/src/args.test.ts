import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CNN_VALUES,
  COMMANDS,
  type CommandName,
  DEFAULT_SEED,
  HELP,
  OPTION_TABLE,
  type OptionRow,
  PRESET_VALUES,
  parseCommand,
  UsageError,
} from './args.js';

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

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `--flag`s mentioned in `text`. */
function flagsIn(text: string): string[] {
  return [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])];
}

/** The flags of the option lines of a help (`  --epochs N   …`, `  -h, --help   …`). */
function optionFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-[a-z], )?(--[a-z][a-z-]*)/gm)]
    .map((m) => m[1] as string)
    .sort();
}

function helpOf(command: CommandName): string {
  const c = parseCommand([command, '--help']);
  if (c.kind !== 'help') throw new Error(`${command} --help gave ${c.kind}`);
  return c.text;
}

/**
 * What the parser makes of `command --flag value`: true if it takes the flag (any other error,
 * such as a missing --checkpoint, is about something else), false for an unknown flag, and the
 * message (which lists the flags the command does take) for a flag of another command.
 */
function accepts(command: CommandName, flag: string): boolean | string {
  try {
    parseCommand([command, flag, '1']);
    return true;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message.startsWith('Unknown option')) return false;
    if (e.message.startsWith(`${flag} does not apply to ${command}`)) return e.message;
    return true;
  }
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
    expect(CNN_VALUES).toEqual({ epochs: 4, lr: 2e-3 });
    expect(train(['--model', 'cnn'])).toMatchObject({
      ...PRESET_VALUES.default,
      epochs: 4,
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

  it("returns the whole help for --help and -h, and one command's for COMMAND --help", () => {
    for (const argv of [['--help'], ['-h']]) {
      expect(parseCommand(argv)).toEqual({ kind: 'help', text: HELP });
    }
    for (const flag of ['--epochs', '--checkpoint', '--image', '--index', '--format', '--layout']) {
      expect(HELP).toContain(flag);
    }
    const evalHelp = helpOf('eval');
    expect(evalHelp).not.toBe(HELP);
    expect(evalHelp).toMatch(/^Usage: pnpm demo eval --checkpoint FILE /);
    expect(evalHelp).not.toContain('--epochs');
    expect(helpOf('train')).toMatch(/^Usage: pnpm demo \[train\] /);
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

  it("lists in each command's help exactly the flags the parser accepts for it", () => {
    // Which flags exist is found from the parser's own behaviour, not from the option table: start
    // from every flag the whole help and the README mention, add every flag an "it takes" error
    // names, until nothing new turns up.
    const flags = new Set<string>([...flagsIn(HELP), ...flagsIn(README)]);
    for (let size = 0; size !== flags.size; ) {
      size = flags.size;
      for (const command of COMMANDS) {
        for (const flag of flags) {
          const verdict = accepts(command, flag);
          if (typeof verdict === 'string') for (const f of flagsIn(verdict)) flags.add(f);
        }
      }
    }
    expect(flags.size).toBeGreaterThan(15);
    for (const command of COMMANDS) {
      const accepted = [...flags].filter((flag) => accepts(command, flag) === true).sort();
      const help = helpOf(command);
      expect(optionFlags(help), `${command}'s option lines`).toEqual(accepted);
      const usage = help.slice(0, help.indexOf('\n\n'));
      expect(flagsIn(usage).sort(), `${command}'s usage line`).toEqual(
        accepted.filter((f) => f !== '--help'),
      );
      // The whole help has the same section.
      expect(HELP).toContain(help.slice(help.indexOf('\n\n') + 2).split('\n\n')[0]);
    }
    // The README's flag table and command lines name every flag too.
    const acceptedByAny = [...flags].filter((f) => COMMANDS.some((c) => accepts(c, f) === true));
    expect(
      acceptedByAny.filter((f) => !flagsIn(README).includes(f)),
      'flags that apps/mnist-demo/README.md does not mention',
    ).toEqual([]);
    expect(accepts('eval', '--batch-size')).toBe(true);
    expect(accepts('eval', '--epochs')).not.toBe(true);
    expect(accepts('train', '--optimzer')).toBe(false);
  });

  it("shows every flag's default in the help of each command that takes it", () => {
    for (const row of OPTION_TABLE as readonly OptionRow[]) {
      for (const command of row.commands) {
        const line = helpOf(command)
          .replace(/\n {6,}/g, ' ')
          .split('\n')
          .find((l) =>
            l.includes(`--${row.name}${row.value === undefined ? '' : ` ${row.value}`} `),
          );
        expect(line, `--${row.name} in ${command}'s help`).toBeDefined();
        if (row.default !== undefined) expect(line).toContain(`[${row.default}]`);
      }
    }
    expect(helpOf('train')).toMatch(/--batch-size N +mini-batch size \[128\]/);
    expect(helpOf('eval')).toMatch(/--batch-size N +images per forward pass \[1000\]/);
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
