import { describe, expect, it } from 'vitest';
import type { BenchRecord } from './record.js';
import { MISSING_KERNEL, trainingTable } from './training.js';
import { TRAINING_CONFIGS } from './training-config.js';

const rec = (bench: string, system: string, median: number, note?: string): BenchRecord => ({
  bench,
  system,
  unit: 'samples/s',
  median,
  min: median,
  max: median,
  runs: 3,
  ...(note === undefined ? {} : { note }),
});

const cnn = TRAINING_CONFIGS.find((c) => c.bench === 'train-cnn');
const MISSING = "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'";

describe('the train-cnn configuration', () => {
  it('is the demo CNN at batch 128 with SGD 0.01 and no fit target', () => {
    expect(cnn).toMatchObject({ model: 'cnn', batchSize: 128, lr: 0.01, sizes: [784, 10] });
    expect(cnn?.target).toBeUndefined();
  });
});

describe('MISSING_KERNEL', () => {
  it('matches TFJS’s missing-kernel error and nothing else', () => {
    expect(MISSING_KERNEL.test(MISSING)).toBe(true);
    expect(MISSING_KERNEL.test('out of memory')).toBe(false);
  });
});

describe('trainingTable with the CNN', () => {
  const records = [
    rec('train-cnn', 'nabla-wasm-simd', 1200),
    rec('train-cnn', 'pytorch', 2400, 'subset of 2560 of the 60000 training samples per run; …'),
  ];
  const unsupported = [{ bench: 'train-cnn', system: 'tfjs-wasm', reason: MISSING }];
  const lines = trainingTable(cnn ? [cnn] : [], records, unsupported).split('\n');
  const cells = (line: string | undefined) => (line ?? '').split(/\s{2,}/);

  it('shows TFJS-wasm as unsupported, naming the kernel, and no verdict without a target', () => {
    expect(cells(lines[1])).toEqual([
      'training (samples/s)',
      'nabla-wasm-simd',
      'pytorch',
      'tfjs-wasm',
      'vs pytorch',
      'vs tfjs-wasm',
      'targets',
    ]);
    expect(cells(lines[3])).toEqual([
      'CNN (demo), batch 128',
      '1,200 (1,200–1,200)',
      '2,400 (2,400–2,400)*',
      'unsupported (no Conv2DBackpropFilter)',
      '0.50×',
      'n/a',
      '—',
    ]);
    expect(lines[4]).toContain('train-cnn pytorch: 2560 samples');
  });
});
