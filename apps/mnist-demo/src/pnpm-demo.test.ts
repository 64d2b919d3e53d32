import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HELP } from './args.js';

// The README's command itself, `pnpm demo`, through pnpm and scripts/demo.mjs (which builds the
// demo with turbo, cached, and shows the build's output only when it fails).
const root = fileURLToPath(new URL('../../..', import.meta.url));

function pnpm(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('pnpm', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    env,
  });
}

describe('pnpm demo', () => {
  it('prints the help after pnpm\'s script banner only (no build output); with -s, "Usage:" first', () => {
    const lines = pnpm(['demo', '--help']).split('\n');
    const usage = lines.findIndex((line) => line.startsWith('Usage:'));
    expect(usage).toBeGreaterThan(0);
    // pnpm 10 prints `> <package>@<version> demo <dir>` and `> <script>` before any script; no
    // setting limited to `pnpm run` turns it off (see the README), `pnpm -s` does.
    expect(lines.slice(0, usage).filter((line) => line.trim() !== '')).toEqual([
      expect.stringMatching(/^> \S+ demo /),
      expect.stringMatching(/^> node scripts\/demo\.mjs/),
    ]);
    expect(lines.slice(usage).join('\n')).toBe(`${HELP}\n`);
    expect(pnpm(['-s', 'demo', '--help'])).toBe(`${HELP}\n`);
  }, 200_000);

  it('trains on the relaxed-SIMD kernels (turned on for Node 20), plain SIMD with NABLA_RELAXED_SIMD=0', () => {
    const out = mkdtempSync(join(tmpdir(), 'nabla-pnpm-demo-'));
    try {
      const backend = (env: NodeJS.ProcessEnv, dir: string): string | undefined => {
        const args = ['-s', 'demo', '--limit', '256', '--epochs', '1', '--out', join(out, dir)];
        return pnpm(args, env).match(/backend (\S+)/)?.[1];
      };
      const { NABLA_RELAXED_SIMD: _, ...base } = process.env;
      expect(backend(base, 'default')).toBe('wasm-relaxed-simd');
      const major = Number(process.versions.node.split('.')[0]);
      // From Node 22 relaxed SIMD is the runtime's default, and the variable changes nothing.
      expect(backend({ ...base, NABLA_RELAXED_SIMD: '0' }, 'plain')).toBe(
        major < 22 ? 'wasm-simd' : 'wasm-relaxed-simd',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 200_000);
});
