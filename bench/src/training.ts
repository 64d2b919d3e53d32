import { interleave } from './interleave.js';
import type { Log } from './matmul.js';
import type { TrainingData } from './mnist.js';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';
import { formatRatio, formatSpread, renderTable } from './table.js';
import { planSamples, type TrainingBudget, type TrainingConfig } from './training-config.js';
import type { RunnerFactory, TrainingRunner } from './training-runner.js';
import { type Unsupported, unsupportedCell } from './unsupported.js';

/**
 * Sets up every system for one configuration, warms each up (which also estimates its speed) and
 * picks its samples per run with {@link planSamples}, then times `budget.runs` rounds in which the
 * systems take turns, one epoch each, in {@link roundOrder}: a drift of the machine's speed over
 * the minutes this takes then weighs on every system alike. Reports samples/s per system.
 */
export async function measureTraining(
  makers: readonly RunnerFactory[],
  config: TrainingConfig,
  data: TrainingData,
  budget: TrainingBudget,
  log: Log,
  unsupported: Unsupported[] = [],
): Promise<BenchRecord[]> {
  const runners: TrainingRunner[] = [];
  try {
    const plans: number[] = [];
    for (const make of makers) {
      const runner = await make(config, data);
      const warm = Math.min(data.length, budget.warmupBatches * config.batchSize);
      // The first passes pay for JIT, buffer allocation and first-use set-up, so the speed is
      // estimated from the last of as many passes as fit `warmupSeconds`.
      let seconds: number;
      try {
        seconds = await runner.epoch(warm);
      } catch (e) {
        // A backend without a kernel the model needs (TFJS-wasm has no Conv2DBackpropFilter):
        // reported as unsupported; any other failure stops the bench.
        const reason = e instanceof Error ? e.message : String(e);
        await runner.dispose();
        if (!MISSING_KERNEL.test(reason)) throw e;
        log(`${config.bench}: ${runner.system}: unsupported: ${reason}`);
        unsupported.push({ bench: config.bench, system: runner.system, reason });
        continue;
      }
      runners.push(runner);
      let total = seconds;
      while (total < budget.warmupSeconds) {
        seconds = await runner.epoch(warm);
        total += seconds;
      }
      const samples = planSamples(data.length, config.batchSize, warm / seconds, budget);
      plans.push(samples);
      log(
        `${config.bench}: ${runner.info}: ${budget.runs} runs of ${samples.toLocaleString('en-US')} samples${samples < data.length ? ' (subset)' : ''}`,
      );
    }
    const values = await interleave(runners.length, budget.runs, async (i, round) => {
      const runner = runners[i] as TrainingRunner;
      const samples = plans[i] as number;
      const speed = samples / (await runner.epoch(samples));
      log(
        `${config.bench}: round ${round + 1}/${budget.runs}: ${runner.system} ${speed.toFixed(0)} samples/s`,
      );
      return speed;
    });
    return runners.map((runner, i) => {
      const samples = plans[i] as number;
      return {
        bench: config.bench,
        system: runner.system,
        unit: 'samples/s',
        ...summarize(values[i] as number[]),
        note:
          samples < data.length
            ? `subset of ${samples} of the ${data.length} training samples per run; samples/s of the epoch extrapolated`
            : `full epoch of ${data.length} samples per run`,
      };
    });
  } finally {
    for (const runner of runners) await runner.dispose();
  }
}

/** How TFJS reports a kernel its backend lacks. */
export const MISSING_KERNEL = /Kernel '[^']+' not registered for backend/;

/** Samples/s measured earlier on this machine kind (one epoch), printed for context only. */
export const REFERENCE_FIGURES: readonly { system: string; a: string; b: string }[] = [
  { system: 'TFJS 4.22 cpu model.fit', a: '~820', b: '~53' },
  { system: 'TFJS 4.22 wasm model.fit', a: '~3,400', b: '~93' },
  { system: 'TFJS 4.22 wasm hand-tuned loop', a: '~11,000–14,000', b: '~1,300' },
  { system: 'PyTorch CPU', a: '~65,000–83,000', b: '~10,400–11,600' },
];

function verdictOf(
  target: number | undefined,
  what: string,
  ours: number | undefined,
  theirs: number | undefined,
): string {
  if (target === undefined) return '—';
  if (ours === undefined || theirs === undefined) return `≥${target}× ${what}: not measured`;
  return `≥${target}× ${what}: ${ours / theirs >= target ? 'met' : 'MISSED'}`;
}

/** The training table: samples/s per system, our ratios to each TFJS row, the target. */
export function trainingTable(
  configs: readonly TrainingConfig[],
  records: readonly BenchRecord[],
  unsupported: readonly Unsupported[] = [],
): string {
  const systems = [...new Set([...records, ...unsupported].map((r) => r.system))];
  const ours = systems.find((s) => s.startsWith('nabla-'));
  const find = (bench: string, system: string) =>
    records.find((r) => r.bench === bench && r.system === system);
  const others = systems.filter((s) => !s.startsWith('nabla-'));
  const single = systems.find((s) => s === `${ours}-1t`);
  const rows = configs
    .filter((c) => records.some((r) => r.bench === c.bench))
    .map((c) => {
      const mine = ours === undefined ? undefined : find(c.bench, ours)?.median;
      const wasm = find(c.bench, 'tfjs-wasm')?.median;
      const cell = (s: string) => {
        const r = find(c.bench, s);
        const u = unsupported.find((x) => x.bench === c.bench && x.system === s);
        if (!r) return u ? unsupportedCell(u.reason) : 'n/a';
        return `${formatSpread(r)}${r.note?.startsWith('subset') ? '*' : ''}`;
      };
      const loop = find(c.bench, 'tfjs-wasm-loop')?.median;
      const verdict = [
        verdictOf(c.target, 'fit', mine, wasm),
        ...(c.loopTarget === undefined ? [] : [verdictOf(c.loopTarget, 'loop', mine, loop)]),
      ].join('; ');
      return [
        c.label,
        ...systems.map(cell),
        ...others.map((s) => formatRatio(mine, find(c.bench, s)?.median)),
        ...(single ? [formatRatio(find(c.bench, single)?.median, wasm)] : []),
        verdict,
      ];
    });
  const table = renderTable(
    [
      'training (samples/s)',
      ...systems,
      ...others.map((s) => `vs ${s}`),
      ...(single ? ['1t vs tfjs-wasm'] : []),
      'targets',
    ],
    rows,
  );
  const subsets = records.filter((r) => r.note?.startsWith('subset'));
  const footnote = subsets.length
    ? `\n* measured on a subset of the epoch and extrapolated (samples/s is the unit): ${subsets
        .map(
          (r) => `${r.bench} ${r.system}: ${r.note?.match(/^subset of (\d+)/)?.[1] ?? '?'} samples`,
        )
        .join('; ')}`
    : '';
  const caption = `Training, one epoch of MNIST, SGD lr 0.01: samples/s as median (min–max) of the runs; "vs X" = ${ours ?? 'nabla'} ÷ X (medians)${single ? `; ${ours} runs on all threads (setThreads auto), ${single} on one, like tfjs-wasm in Node` : ''}.`;
  return `${caption}\n${table}${footnote}`;
}

/** The static reference rows, labelled as not measured in this run. */
export function referenceTable(): string {
  return `Reference (NOT measured in this run; earlier measurements on this machine kind, samples/s, one epoch):\n${renderTable(
    ['system', 'A', 'B'],
    REFERENCE_FIGURES.map((r) => [r.system, r.a, r.b]),
  )}`;
}
