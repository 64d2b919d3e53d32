import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** `runs/2026-01-31T12-00-00` style name of a moment (UTC), safe on every file system. */
export function timestampName(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, '-');
}

/**
 * The output folder: `out` (created if needed, may exist), or a new `runs/<timestamp>` under
 * `cwd` (with `-2`, `-3`, … appended when two runs start in the same second).
 */
export async function prepareOutputDir(
  out: string | undefined,
  cwd: string,
  date: Date,
): Promise<string> {
  if (out !== undefined) {
    const dir = resolve(cwd, out);
    await mkdir(dir, { recursive: true });
    return dir;
  }
  const runs = join(cwd, 'runs');
  await mkdir(runs, { recursive: true });
  const base = timestampName(date);
  for (let i = 1; ; i++) {
    const dir = join(runs, i === 1 ? base : `${base}-${i}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
