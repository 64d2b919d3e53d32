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
  /** Where SIGINT comes from (default: the process). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process at once (the second Ctrl-C). */
  exit?: (code: number) => void;
  /** Draw a live progress bar (default: whether stderr is a terminal). */
  tty?: boolean;
}

/** Exit codes: 0 done, 1 failed, 2 bad command line, 130 stopped by Ctrl-C (128 + SIGINT). */
export const EXIT = { ok: 0, error: 1, usage: 2, interrupted: 130 } as const;

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
        let stopRequested = false;
        const progress = createProgress({
          stream: io.stderr,
          ...(io.tty === undefined ? {} : { tty: io.tty }),
        });
        const onSigint = (): void => {
          if (stopRequested) {
            io.stderr.write('\nSecond Ctrl-C: quitting now without writing outputs.\n');
            exit(EXIT.interrupted);
            return;
          }
          stopRequested = true;
          progress.notice(
            'Ctrl-C: stopping after this batch and writing the outputs (Ctrl-C again to quit at once)',
          );
        };
        signals.on('SIGINT', onSigint);
        try {
          const run = await runTrain(command.config, {
            stdout: io.stdout,
            cwd: io.cwd,
            progress,
            shouldStop: () => stopRequested,
          });
          return run.interrupted ? EXIT.interrupted : EXIT.ok;
        } finally {
          signals.off('SIGINT', onSigint);
        }
      }
    }
  } catch (e) {
    io.stderr.write(`mnist-demo: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.error;
  }
}
