import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The demo CLI as built by `pnpm build` (apps/mnist-demo/dist). */
const CLI = fileURLToPath(new URL('../../mnist-demo/dist/cli.js', import.meta.url));

/** Runs `mnist-demo ARGS` and returns its stdout (a failed run throws with its stderr). */
export async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The confusion matrix printed by `eval` (rows: true digit). */
export function parseConfusion(stdout: string): number[][] {
  const rows = [...stdout.matchAll(/^ {4}(\d)((?: +\d+){10}) +[\d.]+%$/gm)].map((m) =>
    (m[2] as string).trim().split(/ +/).map(Number),
  );
  if (rows.length !== 10) throw new Error(`no confusion matrix in the CLI's output:\n${stdout}`);
  return rows;
}

/** The digit and the ten percentages printed by `predict`. */
export function parsePrediction(stdout: string): { digit: number; percents: number[] } {
  const digit = /^Prediction for .*: (\d)$/m.exec(stdout);
  const percents = [...stdout.matchAll(/^ {2}(\d) +([\d.]+)%/gm)].map((m) => Number(m[2]));
  if (digit === null || percents.length !== 10) {
    throw new Error(`no prediction in the CLI's output:\n${stdout}`);
  }
  return { digit: Number(digit[1]), percents };
}
