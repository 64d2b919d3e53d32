import {
  backendName,
  createRng,
  getThreads,
  matmul,
  setBackend,
  setThreads,
  type Tensor,
  uniform,
  zeros,
} from '@nabla/tensor';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';
import { formatRatio, formatSpread, renderTable } from './table.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import { secondsPerCall, type TimingOptions } from './timing.js';

/** One matrix product C[m,n] = op(A)·op(B) with inner dimension k. */
export interface MatmulCase {
  readonly bench: string;
  readonly label: string;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Speed-up over TFJS-wasm that issue 2 asks for, if any. */
  readonly target?: number;
}

const cube = (s: number, target?: number): MatmulCase => ({
  bench: `matmul-${s}x${s}x${s}`,
  label: `${s}³`,
  m: s,
  n: s,
  k: s,
  transA: false,
  transB: false,
  ...(target === undefined ? {} : { target }),
});

/** The square sizes, then the three products of one training step of the seed network. */
export const MATMUL_CASES: readonly MatmulCase[] = [
  cube(64),
  cube(128),
  cube(256, 1.5),
  cube(512, 1.5),
  cube(1024, 1.5),
  {
    bench: 'matmul-step-xw',
    label: 'X·W 64×784·784×128',
    m: 64,
    n: 128,
    k: 784,
    transA: false,
    transB: false,
    target: 1,
  },
  {
    bench: 'matmul-step-xtg',
    label: 'Xᵀ·G (64×784)ᵀ·64×128',
    m: 784,
    n: 128,
    k: 64,
    transA: true,
    transB: false,
    target: 1,
  },
  {
    bench: 'matmul-step-gwt',
    label: 'G·Wᵀ 64×128·(784×128)ᵀ',
    m: 64,
    n: 784,
    k: 128,
    transA: false,
    transB: true,
    target: 1,
  },
];

/** Stored operand shapes: A is k×m when transposed, B is n×k when transposed. */
function operandShapes(c: MatmulCase): [[number, number], [number, number]] {
  return [c.transA ? [c.k, c.m] : [c.m, c.k], c.transB ? [c.n, c.k] : [c.k, c.n]];
}

function operands(c: MatmulCase): [Tensor<'float32'>, Tensor<'float32'>] {
  const rng = createRng(c.m * 1_000_003 + c.n * 1009 + c.k);
  const [sa, sb] = operandShapes(c);
  return [
    uniform(rng, sa, -1, 1, { dtype: 'float32' }),
    uniform(rng, sb, -1, 1, { dtype: 'float32' }),
  ];
}

const gflops = (c: MatmulCase, seconds: number): number => (2 * c.m * c.n * c.k) / seconds / 1e9;

function measureNabla(c: MatmulCase, timing: TimingOptions): number[] {
  const [a, b] = operands(c);
  // Into a reused `out`, as every hot path of the library calls it. (A fresh result per call
  // mostly measures this VM's page faults on newly mapped memory, ~15 µs per 4 KiB page, while
  // tf.matMul writes into its wasm heap, whose pages are already mapped: see docs/benchmarks.md.)
  const options = { transA: c.transA, transB: c.transB, out: zeros([c.m, c.n]) };
  return secondsPerCall(() => void matmul(a, b, options), timing).map((s) => gflops(c, s));
}

function measureTfjs(c: MatmulCase, timing: TimingOptions): number[] {
  const [a, b] = operands(c);
  const ta = tf.tensor2d(a.data, operandShapes(c)[0]);
  const tb = tf.tensor2d(b.data, operandShapes(c)[1]);
  // Both backends compute eagerly inside the call; the result stays in the backend and is freed.
  const seconds = secondsPerCall(() => tf.matMul(ta, tb, c.transA, c.transB).dispose(), timing);
  ta.dispose();
  tb.dispose();
  return seconds.map((s) => gflops(c, s));
}

/** Progress and context lines go to stderr so that stdout holds only the tables. */
export type Log = (line: string) => void;

/** Measures every case on Nabla (auto, then js if auto is something else) and TFJS cpu and wasm. */
export async function runMatmul(timing: TimingOptions, log: Log): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const add = (c: MatmulCase, system: string, values: number[]): void => {
    records.push({ bench: c.bench, system, unit: 'GFLOP/s', ...summarize(values) });
  };

  // Nabla as configured by default (auto backend, auto threads), then on one thread (tfjs-wasm
  // cannot use threads in Node, so that is the kernel-for-kernel comparison), then plain JS.
  setBackend('auto');
  setThreads('auto');
  const auto = `nabla-${backendName()}`;
  const threads = getThreads();
  const nablaSystems: [string, () => void][] = [[auto, () => {}]];
  if (threads > 1) nablaSystems.push([`${auto}-1t`, () => setThreads(1)]);
  if (auto !== 'nabla-js') nablaSystems.push(['nabla-js', () => setBackend('js')]);
  for (const [system, select] of nablaSystems) {
    select();
    log(`matmul: ${system} (${getThreads()} thread${getThreads() > 1 ? 's' : ''})`);
    for (const c of MATMUL_CASES) add(c, system, measureNabla(c, timing));
  }
  setBackend('auto');
  setThreads('auto');

  for (const backend of ['cpu', 'wasm'] as const satisfies readonly TfjsBackend[]) {
    await useTfjs(backend);
    log(`matmul: ${tfjsInfo()}`);
    for (const c of MATMUL_CASES) add(c, `tfjs-${backend}`, measureTfjs(c, timing));
  }
  return records;
}

/** The matmul table: one row per case, GFLOP/s as `median (min–max)`, our ratio to each TFJS. */
export function matmulTable(records: readonly BenchRecord[]): string {
  const systems = [...new Set(records.map((r) => r.system))];
  const ours = systems.find((s) => s.startsWith('nabla-')) ?? 'nabla';
  const single = systems.find((s) => s === `${ours}-1t`);
  const find = (bench: string, system: string) =>
    records.find((r) => r.bench === bench && r.system === system);
  const rows = MATMUL_CASES.map((c) => {
    const mine = find(c.bench, ours)?.median;
    const wasm = find(c.bench, 'tfjs-wasm')?.median;
    const ratio = formatRatio(mine, wasm);
    const verdict =
      c.target === undefined || mine === undefined || wasm === undefined
        ? '—'
        : `≥${c.target}× ${mine / wasm >= c.target ? 'met' : 'MISSED'}`;
    return [
      c.label,
      ...systems.map((s) => {
        const r = find(c.bench, s);
        return r ? formatSpread(r) : 'n/a';
      }),
      formatRatio(mine, find(c.bench, 'tfjs-cpu')?.median),
      ratio,
      ...(single ? [formatRatio(find(c.bench, single)?.median, wasm)] : []),
      verdict,
    ];
  });
  const caption = `Matmul, float32: GFLOP/s (2mnk / time) as median (min–max) of the runs; "vs X" = ${ours} ÷ X (medians)${single ? `; ${ours} runs on all threads (setThreads auto), ${single} on one, like tfjs-wasm in Node` : ''}.`;
  return `${caption}\n${renderTable(
    [
      'matmul (GFLOP/s)',
      ...systems,
      'vs tfjs-cpu',
      'vs tfjs-wasm',
      ...(single ? ['1t vs tfjs-wasm'] : []),
      'target (vs tfjs-wasm)',
    ],
    rows,
  )}`;
}
