import { describe, expect, it } from 'vitest';
import { CNN_CONV_LAYERS, CONV_CASES, convFlops, convGflops, describeLayer } from './conv-cases.js';
import { convTable } from './conv-table.js';
import type { BenchRecord } from './record.js';
import { unsupportedCell } from './unsupported.js';

const rec = (bench: string, system: string, median: number): BenchRecord => ({
  bench,
  system,
  unit: 'GFLOP/s',
  median,
  min: median / 2,
  max: median * 2,
  runs: 5,
});

const MISSING = "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'";

describe('conv cases', () => {
  it('are the demo CNN’s two convolutions at batch 128, forward and forward+backward', () => {
    expect(CNN_CONV_LAYERS.map(describeLayer)).toEqual([
      '128×1×28×28 ⊛ 32×1×5×5',
      '128×32×12×12 ⊛ 64×32×5×5',
    ]);
    expect(CONV_CASES.map((c) => c.bench)).toEqual([
      'conv-conv1-forward',
      'conv-conv1-forward-backward',
      'conv-conv2-forward',
      'conv-conv2-forward-backward',
    ]);
    expect(CONV_CASES.map((c) => c.target)).toEqual([undefined, 2, undefined, 2]);
  });

  it('count 2·n·f·oh·ow·c·k² FLOPs forward and three times that with the backward', () => {
    const [conv1, conv2] = CNN_CONV_LAYERS as [
      (typeof CNN_CONV_LAYERS)[number],
      (typeof CNN_CONV_LAYERS)[number],
    ];
    // conv1: 2 · 128 · 32 · 24 · 24 · 1 · 25; conv2: 2 · 128 · 64 · 8 · 8 · 32 · 25.
    expect(convFlops({ layer: conv1, pass: 'forward' })).toBe(117_964_800);
    expect(convFlops({ layer: conv2, pass: 'forward' })).toBe(838_860_800);
    expect(convFlops({ layer: conv2, pass: 'forward+backward' })).toBe(3 * 838_860_800);
    expect(convGflops({ layer: conv2, pass: 'forward' }, 0.1)).toBeCloseTo(8.388608, 9);
  });
});

describe('unsupportedCell', () => {
  it('names the kernel TFJS is missing, and tells "not measured" from "unsupported"', () => {
    expect(unsupportedCell(MISSING)).toBe('unsupported (no Conv2DBackpropFilter)');
    expect(unsupportedCell('not measured (takes minutes)')).toBe('not measured');
    expect(unsupportedCell('something else')).toBe('unsupported');
  });
});

describe('convTable', () => {
  const records = [
    rec('conv-conv2-forward', 'nabla-wasm-simd', 12),
    rec('conv-conv2-forward', 'nabla-wasm-simd-1t', 9),
    rec('conv-conv2-forward', 'tfjs-wasm', 16),
    rec('conv-conv2-forward', 'pytorch', 24),
    rec('conv-conv2-forward-backward', 'nabla-wasm-simd', 10),
    rec('conv-conv2-forward-backward', 'nabla-wasm-simd-1t', 6),
    rec('conv-conv2-forward-backward', 'tfjs-wasm-composed', 2.5),
    rec('conv-conv2-forward-backward', 'pytorch', 20),
  ];
  const unsupported = [
    { bench: 'conv-conv2-forward-backward', system: 'tfjs-wasm', reason: MISSING },
    { bench: 'conv-conv2-forward', system: 'tfjs-wasm-composed', reason: 'not measured: …' },
  ];
  const lines = convTable(records, unsupported).split('\n');
  const cells = (line: string | undefined) => (line ?? '').split(/\s{2,}/);

  it('has one row per measured case, systems in order of appearance, then the ratios', () => {
    // Caption, header, rule, and one row per case.
    expect(lines).toHaveLength(5);
    expect(cells(lines[1])).toEqual([
      'conv (GFLOP/s)',
      'nabla-wasm-simd',
      'nabla-wasm-simd-1t',
      'tfjs-wasm',
      'pytorch',
      'tfjs-wasm-composed',
      'vs tfjs-wasm',
      '1t vs tfjs-wasm',
      'vs pytorch',
      'target (vs tfjs-wasm)',
    ]);
  });

  it('divides by tfjs-wasm for the forward, with no target there', () => {
    expect(cells(lines[3]).slice(1)).toEqual([
      '12.0 (6.00–24.0)',
      '9.00 (4.50–18.0)',
      '16.0 (8.00–32.0)',
      '24.0 (12.0–48.0)',
      'not measured',
      '0.75×',
      '0.56×',
      '0.50×',
      '—',
    ]);
    expect(cells(lines[3])[0]).toBe('conv2 128×32×12×12 ⊛ 64×32×5×5 forward');
  });

  it('shows the missing kernel and divides by the composed TFJS-wasm backward, saying so', () => {
    const row = cells(lines[4]);
    expect(row[3]).toBe('unsupported (no Conv2DBackpropFilter)');
    expect(row.slice(6)).toEqual(['4.00×', '2.40×', '0.50×', '≥2× (vs composed) met']);
  });

  it('marks a missed target', () => {
    const slow = records.map((r) =>
      r.bench === 'conv-conv2-forward-backward' && r.system === 'nabla-wasm-simd'
        ? { ...r, median: 4 }
        : r,
    );
    const row = cells(convTable(slow, unsupported).split('\n')[4]);
    expect(row.at(-1)).toBe('≥2× (vs composed) MISSED');
  });
});
