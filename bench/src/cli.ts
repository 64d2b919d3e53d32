import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getThreads } from '@nabla/tensor';
import { heapTable, runHeap } from './heap.js';
import { matmulTable, runMatmul } from './matmul.js';
import { loadTrainingData, type TrainingData } from './mnist.js';
import type { BenchRecord } from './record.js';
import type { TimingOptions } from './timing.js';
import { measureTraining, referenceTable, trainingTable } from './training.js';
import { TRAINING_CONFIGS, type TrainingBudget } from './training-config.js';
import { nablaRunner } from './training-nabla.js';
import type { RunnerFactory } from './training-runner.js';
import { tfjsFitRunner, tfjsLoopRunner } from './training-tfjs.js';

const BENCHES = ['matmul', 'train-a', 'train-b', 'heap'] as const;
type BenchName = (typeof BENCHES)[number];

const USAGE = `Usage: pnpm bench [--quick] [--only NAME]... [--json FILE]

  --quick       a short version: fewer and shorter runs (numbers are noisier)
  --only NAME   run only this bench (repeatable): ${BENCHES.join(', ')}
  --json FILE   also write one record per measurement (bench, system, unit, median, min, max, runs)
  --help        this text`;

function parse(argv: string[]): { quick: boolean; only: BenchName[]; json?: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = (values.only ?? [...BENCHES]).flatMap((o) => o.split(','));
  for (const name of only) {
    if (!(BENCHES as readonly string[]).includes(name)) {
      throw new Error(
        `--only: unknown bench ${JSON.stringify(name)}; expected one of ${BENCHES.join(', ')}`,
      );
    }
  }
  return {
    quick: values.quick ?? false,
    only: only as BenchName[],
    ...(values.json === undefined ? {} : { json: values.json }),
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<void> {
  // pnpm passes a literal `--` through when called as `pnpm bench -- --quick`; drop it.
  const args = parse(process.argv.slice(2).filter((a) => a !== '--'));
  const started = new Date();
  console.log(
    `Nabla bench, ${started.toISOString()}: ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}, load average ${loadavg()[0]?.toFixed(2)}${args.quick ? ', --quick' : ''}`,
  );
  const records: BenchRecord[] = [];

  if (args.only.includes('matmul')) {
    const timing: TimingOptions = args.quick
      ? { runs: 3, minRunMs: 80, warmupMs: 100 }
      : { runs: 7, minRunMs: 250, warmupMs: 150 };
    const measured = await runMatmul(timing, log);
    records.push(...measured);
    console.log(`\n${matmulTable(measured)}\n`);
  }

  let data: TrainingData | undefined;
  const trainingData = async (): Promise<TrainingData> => {
    if (data === undefined) {
      log('loading MNIST');
      data = await loadTrainingData();
    }
    return data;
  };

  const configs = TRAINING_CONFIGS.filter((c) => (args.only as string[]).includes(c.bench));
  if (configs.length > 0) {
    const budget: TrainingBudget = args.quick
      ? {
          runs: 3,
          warmupBatches: 1,
          warmupSeconds: 0.5,
          minBatches: 2,
          maxEpochSeconds: 4,
          subsetSeconds: 2,
          maxSamples: 6_400,
        }
      : {
          runs: 3,
          warmupBatches: 3,
          warmupSeconds: 3,
          minBatches: 4,
          maxEpochSeconds: 60,
          subsetSeconds: 20,
          maxSamples: 0,
        };
    const data = await trainingData();
    const systems: RunnerFactory[] = [
      nablaRunner('auto'),
      ...(getThreads() > 1 ? [nablaRunner(1)] : []),
      (c, d) => tfjsFitRunner('cpu', c, d),
      (c, d) => tfjsFitRunner('wasm', c, d),
      tfjsLoopRunner,
    ];
    const measured: BenchRecord[] = [];
    for (const config of configs) {
      measured.push(...(await measureTraining(systems, config, data, budget, log)));
    }
    records.push(...measured);
    console.log(`\n${trainingTable(configs, measured)}\n\n${referenceTable()}\n`);
  }

  if (args.only.includes('heap')) {
    const measured = runHeap(await trainingData(), 3, args.quick ? 300 : 1_000);
    records.push(...measured);
    console.log(`\n${heapTable(measured)}\n`);
  }

  if (args.json !== undefined) {
    // Relative to where `pnpm bench` was typed, not to the bench package pnpm runs in.
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
    writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
    log(`wrote ${records.length} records to ${file}`);
  }
  console.log(`load average at the end: ${loadavg()[0]?.toFixed(2)} (1 min)`);
  log(`done in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
