import { type Command, parseCommand, UsageError } from './args.js';
import { createProgress } from './progress.js';
import { runEval, runPredict } from './run-eval.js';
import { runExport } from './run-export.js';
import { runTrain } from './run-train.js';

/** What the CLI talks to; the real process by default, fakes in tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Folder that relative paths are taken from. */
  cwd: string;
  /** Where SIGINT and SIGTERM come from (default: the process). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process at once (the second Ctrl-C or SIGTERM). */
  exit?: (code: number) => void;
  /** Told after every training batch (epoch 1-based, batches done in it). */
  onBatch?: (epoch: number, batch: number) => void;
  /** Draw a live progress bar (default: whether stderr is a terminal). */
  tty?: boolean;
}

/**
 * Exit codes: 0 done, 1 failed, 2 bad command line, 130 stopped by Ctrl-C (128 + SIGINT), 143
 * stopped by SIGTERM (128 + 15). A stopped run has saved its outputs and can be resumed.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

const STOP_CODE = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated } as const;
const STOP_NAME = { SIGINT: 'Ctrl-C', SIGTERM: 'SIGTERM' } as const;

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`mnist-demo: ${e.message}\nRun with --help for the options.\n`);
      return EXIT.usage;
    }
    throw e;
  }
  try {
    switch (command.kind) {
      case 'help':
        io.stdout.write(`${command.text}\n`);
        return EXIT.ok;
      case 'eval':
        await runEval(command, io);
        return EXIT.ok;
      case 'predict':
        await runPredict(command, io);
        return EXIT.ok;
      case 'export':
        await runExport(command, io);
        return EXIT.ok;
      case 'train': {
        const signals = io.signals ?? process;
        const exit = io.exit ?? ((code: number) => process.exit(code));
        let stopSignal: keyof typeof STOP_CODE | undefined;
        const progress = createProgress({
          stream: io.stderr,
          ...(io.tty === undefined ? {} : { tty: io.tty }),
        });
        const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
          const handler = (): void => {
            if (stopSignal !== undefined) {
              io.stderr.write(
                `\nSecond ${STOP_NAME[signal]}: quitting now without writing outputs (the last epoch's are kept).\n`,
              );
              exit(STOP_CODE[signal]);
              return;
            }
            stopSignal = signal;
            progress.notice(
              `${STOP_NAME[signal]}: stopping after this batch and writing the outputs and the training state (again to quit at once)`,
            );
          };
          signals.on(signal, handler);
          return [signal, handler] as const;
        });
        try {
          const run = await runTrain(
            command.config,
            {
              stdout: io.stdout,
              cwd: io.cwd,
              progress,
              shouldStop: () => stopSignal !== undefined,
              ...(io.onBatch ? { onBatch: io.onBatch } : {}),
            },
            command.resume === undefined
              ? undefined
              : { dir: command.resume, given: command.given ?? [] },
          );
          return run.interrupted ? STOP_CODE[stopSignal ?? 'SIGINT'] : EXIT.ok;
        } finally {
          for (const [signal, handler] of handlers) signals.off(signal, handler);
        }
      }
    }
  } catch (e) {
    io.stderr.write(`mnist-demo: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.error;
  }
}
