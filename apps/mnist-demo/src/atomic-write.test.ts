import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mnist-demo-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an old one whole, leaving no temporary file', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'a longer replacement');
    expect(await readFile(path, 'utf8')).toBe('a longer replacement');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('on failure keeps the old content, removes its temporary file and names the path', async () => {
    // The target is a non-empty folder, so the final rename fails after the bytes were written.
    const path = join(dir, 'metrics.json');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'old');
    await expect(writeFileAtomic(path, 'new')).rejects.toThrow(`could not write ${path}`);
    expect(await readdir(dir)).toEqual(['metrics.json']);
    expect(await readFile(join(path, 'keep.txt'), 'utf8')).toBe('old');
  });

  it('fails with the path named when the folder does not exist', async () => {
    const path = join(dir, 'missing', 'plot.svg');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(
      /could not write .*missing\/plot\.svg: ENOENT/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
