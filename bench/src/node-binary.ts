import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench package's folder (bench/). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Reads `--node N`: a Node major version (e.g. `24`) whose binary, installed from the npm
 * registry, runs the Nabla side next to the machine's Node.
 */
export function parseNodeMajor(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new Error(
      `--node: expected a Node major version such as 24, got ${JSON.stringify(value)}`,
    );
  }
  const major = Number(value);
  if (major < 20) throw new Error(`--node: Nabla needs Node ≥ 20, got ${major}`);
  return major;
}

/** The folder the bench installs Node `major` into (gitignored): bench/.node24 for 24. */
export function nodeDir(major: number, base: string = BENCH_DIR): string {
  return join(base, `.node${major}`);
}

/** The binary inside that folder (the `node` npm package puts the real executable there). */
export function nodeBinary(dir: string): string {
  return join(dir, 'node_modules', 'node', 'bin', 'node');
}

/** Whether a `node --version` string (e.g. `v24.21.0`) is of major version `major`. */
export function isMajor(version: string, major: number): boolean {
  return new RegExp(`^v${major}\\.\\d+\\.\\d+`).test(version.trim());
}

/**
 * The binary of Node `major` in the bench's own folder, installed with `npm install node@<major>`
 * from the npm registry when missing or of another version. Returns its path and version.
 */
export function ensureNode(
  major: number,
  log: (line: string) => void,
): { binary: string; version: string } {
  const dir = nodeDir(major);
  const binary = nodeBinary(dir);
  const version = (): string =>
    existsSync(binary) ? execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() : '';
  let found = version();
  if (!isMajor(found, major)) {
    log(`installing node@${major} from the npm registry into ${dir}`);
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '--prefix',
        dir,
        `node@${major}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    found = version();
    if (!isMajor(found, major)) {
      throw new Error(
        `--node ${major}: ${binary} reports ${JSON.stringify(found)} after npm install node@${major}`,
      );
    }
  }
  return { binary, version: found };
}
