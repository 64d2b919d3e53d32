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
import { interleave } from './interleave.js';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';
import { formatRatio, formatSpread, renderTable } from './table.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import { callsPerRun, type TimingOptions, timeRun } from './timing.js';

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

/** One way of computing a product, measured in turn with the others. */
interface MatmulSystem {
  /** Set at the first `select` (the backend name is known only then). */
  name: string;
  /** Makes this system the current one (backend, threads) before each of its turns. */
  select(): Promise<void>;
  /** The call to time for one case, with operands made on this system's backend. */
  prepare(c: MatmulCase): { call: () => void; dispose: () => void };
}

function nablaSystem(label: (auto: string) => string, configure: () => void): MatmulSystem {
  return {
    name: '',
    async select() {
      setBackend('auto');
      setThreads('auto');
      const auto = `nabla-${backendName()}`;
      configure();
      this.name = label(auto);
    },
    prepare(c) {
      const [a, b] = operands(c);
      // Into a reused `out`, as every hot path of the library calls it. (A fresh result per call
      // mostly measures this VM's page faults on newly mapped memory, ~15 µs per 4 KiB page,
      // while tf.matMul writes into its wasm heap, whose pages are already mapped: see
      // docs/benchmarks.md.)
      const options = { transA: c.transA, transB: c.transB, out: zeros([c.m, c.n]) };
      return { call: () => void matmul(a, b, options), dispose: () => {} };
    },
  };
}

function tfjsSystem(backend: TfjsBackend): MatmulSystem {
  return {
    name: `tfjs-${backend}`,
    select: () => useTfjs(backend),
    prepare(c) {
      const [a, b] = operands(c);
      const ta = tf.tensor2d(a.data, operandShapes(c)[0]);
      const tb = tf.tensor2d(b.data, operandShapes(c)[1]);
      return {
        // Both backends compute eagerly inside the call; the result stays in the backend and is
        // freed.
        call: () => tf.matMul(ta, tb, c.transA, c.transB).dispose(),
        dispose: () => {
          ta.dispose();
          tb.dispose();
        },
      };
    },
  };
}

/** Progress and context lines go to stderr so that stdout holds only the tables. */
export type Log = (line: string) => void;

/**
 * Measures every case on Nabla (as configured by default: auto backend on all threads; then on
 * one thread, since tfjs-wasm cannot use threads in Node, which makes that the kernel-for-kernel
 * comparison; then plain JS when auto is something else) and on TFJS cpu and wasm. For each case
 * the systems take turns, one timed run each, in {@link roundOrder}, so that a drift of the
 * machine's speed during the case weighs on all of them alike.
 */
export async function runMatmul(timing: TimingOptions, log: Log): Promise<BenchRecord[]> {
  setBackend('auto');
  const autoIsJs = backendName() === 'js';
  const threads = getThreads();
  const systems: MatmulSystem[] = [
    nablaSystem(
      (auto) => auto,
      () => {},
    ),
    ...(threads > 1
      ? [
          nablaSystem(
            (auto) => `${auto}-1t`,
            () => setThreads(1),
          ),
        ]
      : []),
    ...(autoIsJs
      ? []
      : [
          nablaSystem(
            () => 'nabla-js',
            () => setBackend('js'),
          ),
        ]),
    tfjsSystem('cpu'),
    tfjsSystem('wasm'),
  ];
  const described = new Set<string>();
  const records: BenchRecord[] = [];
  for (const c of MATMUL_CASES) {
    const prepared: { call: () => void; dispose: () => void; repeats: number }[] = [];
    try {
      for (const system of systems) {
        await system.select();
        if (!described.has(system.name)) {
          described.add(system.name);
          const what = system.name.startsWith('tfjs-')
            ? tfjsInfo()
            : `${getThreads()} thread${getThreads() > 1 ? 's' : ''}`;
          log(`matmul: ${system.name} (${what})`);
        }
        const p = system.prepare(c);
        prepared.push({ ...p, repeats: callsPerRun(p.call, timing) });
      }
      log(`matmul: ${c.label}`);
      const seconds = await interleave(systems.length, timing.runs, async (i) => {
        const system = systems[i] as MatmulSystem;
        const p = prepared[i] as (typeof prepared)[number];
        await system.select();
        // A short call pays for any switch of backend or threads before its run is timed; a call
        // long enough to fill a run on its own needs no such warm-up.
        if (p.repeats > 1) p.call();
        return timeRun(p.call, p.repeats);
      });
      systems.forEach((system, i) => {
        const values = (seconds[i] as number[]).map((s) => gflops(c, s));
        records.push({
          bench: c.bench,
          system: system.name,
          unit: 'GFLOP/s',
          ...summarize(values),
        });
      });
    } finally {
      for (const p of prepared) p.dispose();
    }
  }
  setBackend('auto');
  setThreads('auto');
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
