import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The temporary name a file is first written under: `.<name>.<pid>.<random>.tmp` in the same
 * folder. The process id lets a later run tell a live writer's file from a killed one's.
 */
export function tempName(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.${pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** `.<name>.<pid>.<12 hex>.tmp`, and the older `.<name>.<12 hex>.tmp` (no pid). */
const TEMP = /^\..+?\.(?:(\d+)\.)?[0-9a-f]{12}\.tmp$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed runs left in `dir` (`kill -9` during a write, or a
 * second Ctrl-C): those whose process is gone, or that carry no process id. Returns their names.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m === null) continue;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    if (pid !== undefined && (pid === process.pid || isAlive(pid))) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** Flushes a folder's entries (a rename in it) to disk; a no-op where folders cannot be opened. */
export async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw e;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `temp` (which must not exist) and flushes it to disk. */
export async function writeDurable(temp: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one, never a
 * part: the bytes go to a temporary file in the same folder (same file system, so the rename is
 * atomic), are flushed to disk with fsync, the temporary file is renamed over `path`, and the
 * folder is flushed so the rename survives a crash. On any failure the temporary file is removed
 * and the error is rethrown with the path in it.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = tempName(path);
  try {
    await writeDurable(temp, data);
    await rename(temp, path);
    await syncDir(dirname(path));
  } catch (e) {
    await rm(temp, { force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`could not write ${path}: ${reason}`, { cause: e });
  }
}
