import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one, never a
 * part: the bytes go to a temporary file in the same folder (same file system, so the rename is
 * atomic), are flushed to disk with fsync, and the temporary file is then renamed over `path`.
 * On any failure the temporary file is removed and the error is rethrown with the path in it.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`could not write ${path}: ${reason}`, { cause: e });
  }
}
