import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('src/kernels/generated/wasm-binaries.ts', () => {
  it('was generated from the current assembly/ sources, flags and compiler version', () => {
    // `--check` exits non-zero (and execFileSync throws) when the recorded inputs hash differs.
    expect(() =>
      execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
        cwd: root,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
