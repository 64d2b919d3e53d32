import { main } from './main.js';

/**
 * `MNIST_DEMO_SIGNAL_AT=EPOCH:BATCH:SIGNAL` makes the process send itself SIGNAL after that
 * batch: the tests use it to stop a child process by a real signal at an exact point.
 */
function signalAt(spec: string | undefined): ((epoch: number, batch: number) => void) | undefined {
  const m = spec === undefined ? null : /^(\d+):(\d+):(SIGINT|SIGTERM)$/.exec(spec);
  if (m === null) return undefined;
  const [, epoch, batch, signal] = m;
  return (e, b) => {
    if (e === Number(epoch) && b === Number(batch)) process.kill(process.pid, signal);
  };
}

// The entry point of `pnpm demo`. pnpm runs scripts in the package folder; INIT_CWD is the
// folder the command was typed in, so relative paths mean what the person meant.
const onBatch = signalAt(process.env.MNIST_DEMO_SIGNAL_AT);
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  ...(onBatch ? { onBatch } : {}),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `mnist-demo: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
