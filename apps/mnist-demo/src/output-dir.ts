import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tempName, writeDurable } from './atomic-write.js';

/** `runs/2026-01-31T12-00-00` style name of a moment (UTC), safe on every file system. */
export function timestampName(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

/** The output folder, and whether this run created it (so that a failure can take it back). */
export interface OutputDir {
  dir: string;
  created: boolean;
}

const why = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code === undefined ? String(e) : (err.message.split(',')[0] ?? err.code);
};

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes and removes a probe file, so that a read-only folder fails before any training. */
async function probe(dir: string, flag: string): Promise<void> {
  const path = tempName(join(dir, 'write-probe'));
  try {
    await writeDurable(path, '');
  } catch (e) {
    throw new Error(`${flag} ${dir} is not writable: ${why(e)}`, { cause: e });
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Creates (if needed) and checks the output folder: `out` (may exist), or a new `runs/<timestamp>`
 * under `cwd` (with `-2`, `-3`, … appended when two runs start in the same second). Called once
 * everything that can be checked has been, and before the first epoch, so that a bad flag leaves
 * no empty folder behind and a read-only one fails before the training, not after.
 */
export async function prepareOutputDir(
  out: string | undefined,
  cwd: string,
  date: Date,
): Promise<OutputDir> {
  if (out !== undefined) {
    const dir = resolve(cwd, out);
    const created = !(await exists(dir));
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new Error(`--out ${dir}: cannot create the folder: ${why(e)}`, { cause: e });
    }
    await probe(dir, '--out');
    return { dir, created };
  }
  const runs = join(cwd, 'runs');
  try {
    await mkdir(runs, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the output folder ${runs} (give one with --out): ${why(e)}`, {
      cause: e,
    });
  }
  const base = timestampName(date);
  for (let i = 1; ; i++) {
    const dir = join(runs, i === 1 ? base : `${base}-${i}`);
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(`cannot create the output folder ${dir} (give one with --out): ${why(e)}`, {
        cause: e,
      });
    }
    await probe(dir, 'the output folder');
    return { dir, created: true };
  }
}

/** Removes `dir` if this run created it and it is still empty (the run failed before writing). */
export async function removeIfEmpty(out: OutputDir): Promise<void> {
  if (!out.created) return;
  try {
    if ((await readdir(out.dir)).length === 0) await rmdir(out.dir);
  } catch {
    // best effort: the folder stays
  }
}
