import { describe, expect, it } from 'vitest';
import {
  efficiencies,
  nodeMajorOf,
  stepFlops,
  torchRatio,
  torchTable,
  torchTargetFor,
  withTorchRatios,
} from './ratios.js';
import type { BenchRecord } from './record.js';
import { TRAINING_CONFIGS } from './training-config.js';

const rec = (bench: string, system: string, median: number): BenchRecord => ({
  bench,
  system,
  unit: bench.startsWith('matmul') ? 'GFLOP/s' : 'samples/s',
  median,
  min: median * 0.9,
  max: median * 1.1,
  runs: 3,
});

const [configA, configB] = TRAINING_CONFIGS as [
  (typeof TRAINING_CONFIGS)[number],
  (typeof TRAINING_CONFIGS)[number],
];

describe('stepFlops', () => {
  it('counts forward and weight-gradient products of every layer, input gradients but the first', () => {
    // A: 784·128 (forward + ∇W) + 128·10 (forward + ∇W + ∇X), 2 FLOP per multiply-add.
    expect(stepFlops([784, 128, 10])).toBe(2 * (2 * 784 * 128 + 3 * 128 * 10));
    // B: the ~9.5 MFLOP per sample docs/benchmarks.md works with.
    expect(stepFlops([784, 1024, 1024, 10])).toBe(9_564_160);
    expect(stepFlops([5])).toBe(0);
  });
});

describe('ratios to PyTorch', () => {
  const records = [
    rec('train-a', 'nabla-wasm-simd', 60_000),
    rec('train-a', 'nabla-wasm-simd-1t', 30_000),
    rec('train-a', 'tfjs-wasm', 7_000),
    rec('train-a', 'pytorch', 120_000),
    rec('train-b', 'nabla-wasm-simd', 4_000),
  ];

  it('divides medians on the same bench, and is undefined without a PyTorch record', () => {
    expect(torchRatio(records, records[0] as BenchRecord)).toBe(0.5);
    expect(torchRatio(records, records[4] as BenchRecord)).toBeUndefined();
  });

  it('adds vsPytorch to Nabla records only, leaving the input records untouched', () => {
    const out = withTorchRatios(records);
    expect(out.map((r) => r.vsPytorch)).toEqual([0.5, 0.25, undefined, undefined, undefined]);
    expect('vsPytorch' in (out[2] as object)).toBe(false);
    expect('vsPytorch' in (records[0] as object)).toBe(false);
  });
});

describe('efficiencies', () => {
  it("is config B's GFLOP/s over the same system's 1024³ matmul, for systems that ran both", () => {
    const records = [
      rec('matmul-1024x1024x1024', 'nabla-wasm-simd', 70),
      rec('matmul-1024x1024x1024', 'pytorch', 140),
      rec('train-b', 'nabla-wasm-simd', 5_000),
      rec('train-b', 'pytorch', 13_000),
      rec('train-b', 'tfjs-wasm', 160),
    ];
    const eff = efficiencies(records, configB);
    expect(eff.map((e) => e.system)).toEqual(['nabla-wasm-simd', 'pytorch']);
    expect(eff[0]?.stepGflops).toBeCloseTo((5_000 * 9_564_160) / 1e9, 9);
    expect(eff[0]?.fraction).toBeCloseTo((5_000 * 9_564_160) / 1e9 / 70, 9);
    expect(eff[1]?.fraction).toBeCloseTo((13_000 * 9_564_160) / 1e9 / 140, 9);
  });
});

describe('targets by Node version', () => {
  it('reads the Node major from a @nodeN suffix, else takes the machine one', () => {
    expect(nodeMajorOf('nabla-wasm-relaxed-simd@node24', 20)).toBe(24);
    expect(nodeMajorOf('nabla-wasm-simd', 20)).toBe(20);
  });

  it("takes issue 17's Node 24 targets from Node 24 on, Node 20's below", () => {
    expect(torchTargetFor(configA, 20)).toBe(0.7);
    expect(torchTargetFor(configA, 24)).toBe(0.8);
    expect(torchTargetFor(configB, 22)).toBe(0.4);
    expect(torchTargetFor(configB, 26)).toBe(0.5);
  });
});

describe('torchTable', () => {
  it('shows every Nabla system ÷ PyTorch with the target of its Node, and the efficiency', () => {
    const records = [
      rec('matmul-1024x1024x1024', 'nabla-wasm-simd', 70),
      rec('matmul-1024x1024x1024', 'nabla-wasm-relaxed-simd@node24', 80),
      rec('matmul-1024x1024x1024', 'pytorch', 140),
      rec('train-a', 'nabla-wasm-simd', 60_000),
      rec('train-a', 'nabla-wasm-relaxed-simd@node24', 110_000),
      rec('train-a', 'pytorch', 120_000),
      rec('train-b', 'nabla-wasm-simd', 4_000),
      rec('train-b', 'nabla-wasm-relaxed-simd@node24', 5_000),
      rec('train-b', 'pytorch', 12_000),
    ];
    const text = torchTable(records, TRAINING_CONFIGS, 20);
    const row = (label: string) => text.split('\n').find((l) => l.startsWith(label)) ?? '';
    expect(row('1024³')).toMatch(/0\.50×\s+0\.57×$/);
    expect(row('A:')).toMatch(/0\.50× \(≥0\.7× MISSED\)\s+0\.92× \(≥0\.8× met\)$/);
    expect(row('B:')).toMatch(/0\.33× \(≥0\.4× MISSED\)\s+0\.42× \(≥0\.5× MISSED\)$/);
    // 4,000 samples/s × 9.564 MFLOP = 38.3 GFLOP/s, 55 % of 70.
    expect(text).toMatch(
      /nabla-wasm-simd\s+B 38\.3 GFLOP\/s ÷ 1024³ 70\.0 GFLOP\/s = 55 % \(target ≥ 80 %: MISSED\)/,
    );
    expect(text).toMatch(/pytorch\s+B 115 GFLOP\/s ÷ 1024³ 140 GFLOP\/s = 82 %$/m);
  });

  it('is empty when PyTorch did not run', () => {
    expect(torchTable([rec('train-a', 'nabla-wasm-simd', 1)], TRAINING_CONFIGS, 20)).toBe('');
  });
});
