import { main } from './main.js';

// The entry point of `pnpm demo`. pnpm runs scripts in the package folder; INIT_CWD is the
// folder the command was typed in, so relative paths mean what the person meant.
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.env.INIT_CWD ?? process.cwd(),
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
