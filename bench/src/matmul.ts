import { setBackend, setThreads } from '@nabla/tensor';
import { interleave } from './interleave.js';
import { gflops, MATMUL_CASES, operandShapes, operands } from './matmul-cases.js';
import { localPrepared, type MatmulSystem, type PreparedMatmul } from './matmul-system.js';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';
import { formatRatio, formatSpread, renderTable } from './table.js';
import { type TfjsBackend, tf, tfjsInfo, useTfjs } from './tfjs.js';
import type { TimingOptions } from './timing.js';

/** TFJS's matMul on one backend; the result stays in the backend and is freed. */
export function tfjsMatmulSystem(backend: TfjsBackend): MatmulSystem {
  return {
    name: `tfjs-${backend}`,
    describe: tfjsInfo,
    async prepare(c, timing) {
      const select = () => useTfjs(backend);
      await select();
      const [a, b] = operands(c);
      const ta = tf.tensor2d(a.data, operandShapes(c)[0]);
      const tb = tf.tensor2d(b.data, operandShapes(c)[1]);
      return localPrepared(
        select,
        () => tf.matMul(ta, tb, c.transA, c.transB).dispose(),
        timing,
        () => {
          ta.dispose();
          tb.dispose();
        },
      );
    },
  };
}

/** Progress and context lines go to stderr so that stdout holds only the tables. */
export type Log = (line: string) => void;

/**
 * Measures every case on every system. For each case the systems take turns, one timed run each,
 * in {@link roundOrder}, so that a drift of the machine's speed during the case weighs on all of
 * them alike.
 */
export async function runMatmul(
  systems: readonly MatmulSystem[],
  timing: TimingOptions,
  log: Log,
): Promise<BenchRecord[]> {
  const described = new Set<string>();
  const records: BenchRecord[] = [];
  for (const c of MATMUL_CASES) {
    const prepared: PreparedMatmul[] = [];
    try {
      for (const system of systems) {
        prepared.push(await system.prepare(c, timing));
        if (!described.has(system.name)) {
          described.add(system.name);
          log(`matmul: ${system.name} (${system.describe()})`);
        }
      }
      log(`matmul: ${c.label}`);
      const seconds = await interleave(systems.length, timing.runs, (i) =>
        (prepared[i] as PreparedMatmul).run(),
      );
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
      for (const p of prepared) await p.dispose();
    }
  }
  setBackend('auto');
  setThreads('auto');
  return records;
}

/** The matmul table: one row per case, GFLOP/s as `median (min–max)`, our ratio to the others. */
export function matmulTable(records: readonly BenchRecord[]): string {
  const systems = [...new Set(records.map((r) => r.system))];
  const ours = systems.find((s) => s.startsWith('nabla-')) ?? 'nabla';
  const single = systems.find((s) => s === `${ours}-1t`);
  const torch = systems.includes('pytorch');
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
      ...(torch ? [formatRatio(mine, find(c.bench, 'pytorch')?.median)] : []),
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
      ...(torch ? ['vs pytorch'] : []),
      'target (vs tfjs-wasm)',
    ],
    rows,
  )}`;
}
