// Shared by the release dry run and the duplicate-cores check: pack the public packages the way
// `pnpm publish` would (workspace: ranges rewritten), and install the tarballs with npm into a
// fresh project, as a user of the registry would get them.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(fileURLToPath(import.meta.url), '../../..');

/** Every package under packages/ that is not private: `{ name, dir, manifest }`. */
export function publicPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .sort()
    .map((entry) => {
      const pkgDir = join(dir, entry);
      const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
      return { name: manifest.name, dir: pkgDir, manifest };
    })
    .filter((pkg) => !pkg.manifest.private);
}

/** A new empty directory under the OS temp dir. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `nabla-${prefix}-`));
}

/** Runs a command, returning its stdout; on failure throws with the command and its output. */
export function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      ...options,
    });
  } catch (error) {
    const out = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim();
    throw new Error(`${command} ${args.join(' ')} failed (exit ${error.status}):\n${out}`);
  }
}

/** `run`, without blocking: resolves to stdout, rejects with the command and its output. */
export function runAsync(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options },
      (error, stdout, stderr) => {
        if (!error) return resolvePromise(stdout);
        const out = `${stdout ?? ''}${stderr ?? ''}`.trim();
        reject(new Error(`${command} ${args.join(' ')} failed (exit ${error.code}):\n${out}`));
      },
    );
  });
}

/** Runs the async `tasks` (functions) with at most `limit` at a time; resolves when all settle. */
export async function inPool(tasks, limit = 2) {
  const queue = [...tasks];
  const worker = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/**
 * Packs every public package (built `dist/` required) with `pnpm pack` into `dest`; returns a map
 * from package name to the tarball's absolute path.
 */
export function packAll(dest, packages = publicPackages()) {
  mkdirSync(dest, { recursive: true });
  const tarballs = new Map();
  for (const pkg of packages) {
    const before = new Set(readdirSync(dest));
    run('pnpm', ['pack', '--pack-destination', dest], { cwd: pkg.dir });
    const added = readdirSync(dest).filter((f) => f.endsWith('.tgz') && !before.has(f));
    if (added.length !== 1)
      throw new Error(`pnpm pack of ${pkg.name} produced ${added.length} tarballs`);
    tarballs.set(pkg.name, join(dest, added[0]));
  }
  return tarballs;
}

/**
 * Writes `package.json` (the given manifest) into `projectDir` and runs `npm install` there: no
 * audit, no funding notice, cached metadata preferred (the tarballs are local files).
 */
export function npmInstall(projectDir, manifest) {
  writeFileSync(join(projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: projectDir,
  });
}

/** Logs a step with the seconds since `start`. */
export function step(start, message) {
  console.log(`[${((performance.now() - start) / 1000).toFixed(1)} s] ${message}`);
}
