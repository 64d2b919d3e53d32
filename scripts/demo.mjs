#!/usr/bin/env node
// `pnpm demo [args]`: builds the demo and what it depends on (turbo, cached), then runs its CLI
// with the arguments. The build's output is shown only when the build fails, so `pnpm demo --help`
// prints the help and nothing else; the CLI is started directly (not through a nested pnpm), so
// INIT_CWD stays the folder the command was typed in and `--optimizer <package>`, `--out` and
// `--data-dir` resolve from there.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './release/pack-and-install.mjs';

const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=mnist-demo...', '--output-logs=errors-only'],
  { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_NO_UPDATE_NOTIFIER: '1' } },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  process.stderr.write(`pnpm demo: building the demo failed (exit ${build.status})\n`);
  process.exit(build.status ?? 1);
}
// Node 22 and later (and every current browser) run WebAssembly relaxed SIMD by default, and the
// engine then picks its fused multiply-add kernels; Node 20 has them behind a V8 flag. The demo
// turns the flag on there, so that it trains on the kernels most users get (CI tests them under
// Node 20 with the same flag and under Node 24 without it). NABLA_RELAXED_SIMD=0 keeps Node 20 on
// the plain SIMD kernels.
const major = Number(process.versions.node.split('.')[0]);
const { env } = process; // (not a turbo task's input: this script runs outside turbo)
const relaxed = major < 22 && env.NABLA_RELAXED_SIMD !== '0';
const cli = spawn(
  process.execPath,
  [
    ...(relaxed ? ['--experimental-wasm-relaxed-simd'] : []),
    join(root, 'apps/mnist-demo/dist/cli.js'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
// Ctrl-C reaches the CLI too (same process group): it stops after the current batch and writes
// its outputs, so this process waits for it instead of dying first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => cli.kill('SIGTERM'));
cli.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 130 : 1);
});
