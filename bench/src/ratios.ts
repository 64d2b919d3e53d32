import { CONV_CASES } from './conv-cases.js';
import { MATMUL_CASES } from './matmul-cases.js';
import type { BenchRecord } from './record.js';
import { formatNumber, formatRatio, renderTable } from './table.js';
import type { TrainingConfig } from './training-config.js';

/** The system name PyTorch's records carry. */
export const TORCH = 'pytorch';

/**
 * Floating-point operations of one training sample through an MLP with layer widths `sizes`,
 * counting the products only (2·in·out each): the forward product and the weight gradient of
 * every layer, and the input gradient of every layer but the first (nothing uses it; Nabla skips
 * it with `inputGrad: false`, PyTorch because the input does not require a gradient). Bias,
 * ReLU, softmax and the update add less than 0.1 % for configs A and B.
 */
export function stepFlops(sizes: readonly number[]): number {
  let flops = 0;
  for (let l = 1; l < sizes.length; l++) {
    const product = 2 * (sizes[l - 1] as number) * (sizes[l] as number);
    flops += l === 1 ? 2 * product : 3 * product;
  }
  return flops;
}

/** The record's median divided by PyTorch's median on the same bench, when both exist. */
export function torchRatio(
  records: readonly BenchRecord[],
  record: BenchRecord,
): number | undefined {
  const torch = records.find((r) => r.bench === record.bench && r.system === TORCH);
  if (torch === undefined || torch.median === 0) return undefined;
  return record.median / torch.median;
}

/** A record as written to the JSON: Nabla's carry `vsPytorch` when PyTorch ran the same bench. */
export type ReportedRecord = BenchRecord & { readonly vsPytorch?: number };

/** Adds `vsPytorch` (median ÷ PyTorch's median) to every Nabla record that has a counterpart. */
export function withTorchRatios(records: readonly BenchRecord[]): ReportedRecord[] {
  return records.map((r) => {
    if (!r.system.startsWith('nabla-')) return r;
    const ratio = torchRatio(records, r);
    return ratio === undefined ? r : { ...r, vsPytorch: ratio };
  });
}

/** One system's whole-step efficiency: config B's sustained GFLOP/s over its own 1024³ matmul. */
export interface Efficiency {
  readonly system: string;
  /** Config B's samples/s × {@link stepFlops} of B, in GFLOP/s (medians). */
  readonly stepGflops: number;
  /** The same system's 1024³ matmul GFLOP/s in the same run (median). */
  readonly matmulGflops: number;
  /** stepGflops ÷ matmulGflops: 1 would mean the whole step runs at the big product's speed. */
  readonly fraction: number;
}

/**
 * Whole-step efficiency of every system that ran both config B and the 1024³ product in this
 * run: what tells a kernel problem (a low matmul figure) from a step problem (a low fraction).
 */
export function efficiencies(
  records: readonly BenchRecord[],
  configB: Pick<TrainingConfig, 'bench' | 'sizes'>,
): Efficiency[] {
  const flops = stepFlops(configB.sizes);
  const out: Efficiency[] = [];
  for (const step of records.filter((r) => r.bench === configB.bench)) {
    const product = records.find(
      (r) => r.bench === 'matmul-1024x1024x1024' && r.system === step.system,
    );
    if (product === undefined || product.median === 0) continue;
    const stepGflops = (step.median * flops) / 1e9;
    out.push({
      system: step.system,
      stepGflops,
      matmulGflops: product.median,
      fraction: stepGflops / product.median,
    });
  }
  return out;
}

/** The Node major a system ran on: its `@nodeN` suffix, else the machine's Node. */
export function nodeMajorOf(system: string, localMajor: number): number {
  const m = system.match(/@node(\d+)$/);
  return m ? Number(m[1]) : localMajor;
}

/** Issue 17's target for one config on one Node major (Node 24's from 24 on), if any. */
export function torchTargetFor(config: TrainingConfig, major: number): number | undefined {
  if (config.torchTarget === undefined) return undefined;
  return major >= 24 ? config.torchTarget.node24 : config.torchTarget.node20;
}

/**
 * Every Nabla figure as a ratio to PyTorch (one column per Nabla system, one row per bench),
 * the training rows with issue 17's targets, then each system's whole-step efficiency.
 */
export function torchTable(
  records: readonly BenchRecord[],
  configs: readonly TrainingConfig[],
  localMajor: number,
): string {
  const nabla = [...new Set(records.map((r) => r.system))].filter((s) => s.startsWith('nabla-'));
  const find = (bench: string, system: string) =>
    records.find((r) => r.bench === bench && r.system === system);
  const benches = [
    ...MATMUL_CASES.map((c) => ({ bench: c.bench, label: c.label, config: undefined })),
    ...CONV_CASES.map((c) => ({ bench: c.bench, label: c.label, config: undefined })),
    ...configs.map((c) => ({ bench: c.bench, label: c.label, config: c })),
  ].filter((b) => find(b.bench, TORCH) !== undefined);
  if (benches.length === 0) return '';
  const rows = benches.map(({ bench, label, config }) => [
    label,
    ...nabla.map((s) => {
      const r = find(bench, s);
      const ratio = r === undefined ? undefined : torchRatio(records, r);
      const cell = formatRatio(ratio, ratio === undefined ? undefined : 1);
      const target = config && torchTargetFor(config, nodeMajorOf(s, localMajor));
      if (ratio === undefined || target === undefined || s.endsWith('-1t')) return cell;
      return `${cell} (≥${target}× ${ratio >= target ? 'met' : 'MISSED'})`;
    }),
  ]);
  const table = renderTable(['÷ pytorch (medians)', ...nabla], rows);
  const b = configs.find((c) => c.bench === 'train-b');
  const eff = b === undefined ? [] : efficiencies(records, b);
  const lines = eff.map(
    (e) =>
      `  ${e.system.padEnd(34)} B ${formatNumber(e.stepGflops)} GFLOP/s ÷ 1024³ ${formatNumber(e.matmulGflops)} GFLOP/s = ${(e.fraction * 100).toFixed(0)} %${e.system.startsWith('nabla-') && !e.system.endsWith('-1t') ? ` (target ≥ 80 %: ${e.fraction >= 0.8 ? 'met' : 'MISSED'})` : ''}`,
  );
  const efficiency = lines.length
    ? `\n\nWhole-step efficiency: config B's sustained GFLOP/s (${formatNumber(stepFlops(b?.sizes ?? []) / 1e6)} MFLOP per sample, products only) as a fraction of the same system's 1024³ matmul in this run:\n${lines.join('\n')}`
    : '';
  return `Against PyTorch: every Nabla figure ÷ PyTorch's in this run (targets of issue 17: A ≥ 0.7× on Node 20 and ≥ 0.8× on Node 24, B ≥ 0.4× and ≥ 0.5×; the -1t rows have none).\n${table}${efficiency}`;
}
