import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

describe('several copies of the built core in one process', () => {
  it('share tensors, one engine, one setThreads and one worker pool', () => {
    const stdout = execFileSync(process.execPath, [join(here, '..', 'test', 'two-cores.mjs')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const report = JSON.parse(stdout);
    expect(report.distinct).toBe(true);
    const pairs = Object.entries(report.ops) as Array<[string, Record<string, unknown>]>;
    expect(pairs).toHaveLength(9);
    for (const [pair, r] of pairs) {
      expect(r, pair).toEqual({
        instanceof: true,
        isTensor: true,
        matmul: '4x5',
        matmulT: '4x4',
        add: '4x3',
        mulBroadcast: '4x3',
        exp: 12,
        sum: '3',
        softmax: '4x3',
        argmax: 'int32',
        transpose: '3x4',
        concat: '8x3',
        where: '4x3',
        allClose: true,
        astype: 'float32',
        safetensors: 'a,labels',
      });
    }
    expect(report.sibling).toEqual({ gradShape: '3x4', sameOutput: true });
    expect(report.oneEngine).toBe(true);
    expect(report.threadsAfterSetThreads1).toEqual([1, 1]);
    expect(report.threadsAfterSetThreads2).toEqual([2, 2]);
    expect(report.workers.ready).toBe(1);
    expect(report.workers.started).toBe(1);
    expect(report.workers.startedByOtherCopies).toBe(0);
    expect(report.workers.result).toBe(256);
    expect(report.info.backend).toMatch(/^wasm-/);
    expect(report.info.threads).toBe(2);
  }, 120_000);

  it('have compatible types (no private members to clash on)', () => {
    const tensorDir = dirname(require.resolve('@nabla/tensor/package.json'));
    const dir = mkdtempSync(join(tmpdir(), 'nabla-types-'));
    try {
      mkdirCopy(tensorDir, dir);
      const consumer = `
import type { Tensor as A, Rng as RA } from './a/dist/index.js';
import type { Tensor as B, Rng as RB } from ${JSON.stringify(join(tensorDir, 'dist', 'index.js'))};
declare const a: A<'float32'>;
declare const ra: RA;
export const b: B<'float32'> = a;
export const back: A = b;
export const rb: RB = ra;
`;
      writeFileSync(join(dir, 'consumer.ts'), consumer);
      const tsc = require.resolve('typescript/bin/tsc');
      execFileSync(
        process.execPath,
        [
          tsc,
          '--noEmit',
          '--strict',
          '--skipLibCheck',
          'false',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2022',
          join(dir, 'consumer.ts'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Copies the built package (dist and package.json) to `<dir>/a`. */
function mkdirCopy(from: string, dir: string): void {
  const { cpSync } = require('node:fs') as typeof import('node:fs');
  cpSync(join(from, 'dist'), join(dir, 'a', 'dist'), { recursive: true });
  cpSync(join(from, 'package.json'), join(dir, 'a', 'package.json'));
}
