import type { BlasVerdict, TorchInfo } from './pytorch.js';
import { type Efficiency, type ReportedRecord, withTorchRatios } from './ratios.js';
import type { BenchRecord } from './record.js';
import type { Unsupported } from './unsupported.js';

/** The PyTorch side of a run: what it ran on, or why it did not run. */
export type TorchReport =
  | {
      readonly ran: true;
      readonly info: TorchInfo;
      readonly blas: BlasVerdict;
      /** Set when it ran on the reference BLAS (its figures are then meaningless). */
      readonly warning?: string;
    }
  | { readonly ran: false; readonly note: string };

/** The `--json` file: the run's conditions, then one record per measurement. */
export interface BenchReport {
  /** ISO time of the start and the end of the run. */
  readonly started: string;
  readonly finished: string;
  readonly quick: boolean;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    /** `os.loadavg()` (1, 5 and 15 minutes) at the start and at the end of the run. */
    readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
  };
  /** The Node version of every Node that ran a Nabla system: `machine`, and `node24` etc. */
  readonly node: Readonly<Record<string, string>>;
  readonly pytorch: TorchReport | null;
  /** Whole-step efficiency per system (config B ÷ its own 1024³ matmul), when both ran. */
  readonly efficiency: readonly Efficiency[];
  readonly records: readonly ReportedRecord[];
  /** Cases a system could not run (e.g. TFJS-wasm's missing Conv2DBackpropFilter), with why. */
  readonly unsupported: readonly Unsupported[];
}

export interface ReportParts {
  readonly started: Date;
  readonly finished: Date;
  readonly quick: boolean;
  readonly cpu: string;
  readonly cores: number;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly node: Readonly<Record<string, string>>;
  readonly pytorch: TorchReport | null;
  readonly efficiency: readonly Efficiency[];
  readonly records: readonly BenchRecord[];
  readonly unsupported?: readonly Unsupported[];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Assembles the JSON report; Nabla's records gain `vsPytorch` where PyTorch ran the bench. */
export function buildReport(parts: ReportParts): BenchReport {
  return {
    started: parts.started.toISOString(),
    finished: parts.finished.toISOString(),
    quick: parts.quick,
    machine: {
      cpu: parts.cpu,
      cores: parts.cores,
      loadAverage: { start: parts.loadStart.map(round2), end: parts.loadEnd.map(round2) },
    },
    node: parts.node,
    pytorch: parts.pytorch,
    efficiency: parts.efficiency,
    records: withTorchRatios(parts.records),
    unsupported: parts.unsupported ?? [],
  };
}
