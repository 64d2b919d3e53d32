import { readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  removeStaleTemps,
  syncDir,
  tempName,
  writeDurable,
  writeFileAtomic,
} from './atomic-write.js';

/**
 * The journal of a commit in progress: which temporary file becomes which output. It exists only
 * between the moment every new file is on disk and the moment all of them have their final names.
 */
export const JOURNAL = '.commit.json';

interface Journal {
  renames: [temp: string, final: string][];
}

function parseJournal(text: string, path: string): Journal {
  const value: unknown = JSON.parse(text);
  const renames = (value as { renames?: unknown }).renames;
  const valid =
    Array.isArray(renames) &&
    renames.every(
      (r) =>
        Array.isArray(r) &&
        r.length === 2 &&
        r.every((n) => typeof n === 'string' && n === basename(n) && !n.startsWith('..')),
    );
  if (!valid) throw new Error(`${path}: not a commit journal of this demo`);
  return { renames: renames as [string, string][] };
}

/**
 * Finishes a commit that a killed run left half done (roll forward: every temporary file the
 * journal lists that still exists is renamed to its final name), then removes the temporary files
 * of dead processes. Afterwards the folder holds the files of one run only. Returns what it did,
 * for the log; an empty list when there was nothing to do.
 */
export async function recoverOutputs(dir: string): Promise<string[]> {
  const done: string[] = [];
  const journalPath = join(dir, JOURNAL);
  let text: string | undefined;
  try {
    text = await readFile(journalPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text !== undefined) {
    for (const [temp, final] of parseJournal(text, journalPath).renames) {
      try {
        await rename(join(dir, temp), join(dir, final));
        done.push(`finished writing ${final}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // renamed before the kill
      }
    }
    await syncDir(dir);
    await rm(journalPath, { force: true });
    await syncDir(dir);
  }
  for (const name of await removeStaleTemps(dir)) done.push(`removed ${name}`);
  return done;
}

/**
 * Writes a run's output files into `dir` as one unit: a reader (or a later run, after
 * {@link recoverOutputs}) sees all the old files or all the new ones, never a mix of two runs.
 * Every file is first written and flushed under a temporary name; then a journal listing the
 * renames is written atomically; then the files are renamed and the journal removed. A kill
 * before the journal exists leaves only temporary files (removed later); a kill after it is
 * finished by the next {@link recoverOutputs}.
 */
export async function commitOutputs(
  dir: string,
  files: Readonly<Record<string, Uint8Array | string>>,
): Promise<void> {
  const renames: [string, string][] = [];
  try {
    for (const [name, data] of Object.entries(files)) {
      const temp = tempName(join(dir, name));
      renames.push([basename(temp), name]);
      await writeDurable(temp, data);
    }
    await syncDir(dir);
    await writeFileAtomic(join(dir, JOURNAL), JSON.stringify({ renames }));
  } catch (e) {
    for (const [temp] of renames) await rm(join(dir, temp), { force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`could not write the outputs in ${dir}: ${reason}`, { cause: e });
  }
  for (const [temp, final] of renames) {
    try {
      await rename(join(dir, temp), join(dir, final));
    } catch (e) {
      // A reader's recoverOutputs may have rolled this commit forward already.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  await syncDir(dir);
  await rm(join(dir, JOURNAL), { force: true });
  await syncDir(dir);
}
