import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HELP } from './args.js';

// The README's command itself, `pnpm demo`, through pnpm and scripts/demo.mjs (which builds the
// demo with turbo, cached, and shows the build's output only when it fails).
const root = fileURLToPath(new URL('../../..', import.meta.url));

function pnpm(args: string[]): string {
  return execFileSync('pnpm', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
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
});
