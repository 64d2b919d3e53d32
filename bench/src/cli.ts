import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getThreads } from '@nabla/tensor';
import { nablaConvSystem, runConv, tfjsConvSystem, tfjsWasmComposedSystem } from './conv.js';
import { convTable } from './conv-table.js';
import { heapTable, runHeap } from './heap.js';
import { matmulTable, runMatmul, tfjsMatmulSystem } from './matmul.js';
import { nablaMatmulSystems } from './matmul-nabla.js';
import { loadTrainingData, type TrainingData } from './mnist.js';
import { BENCH_DIR, ensureNode, parseNodeMajor } from './node-binary.js';
import {
  canImportTorch,
  findTorchPython,
  type MnistFiles,
  type PytorchSide,
  pythonCandidates,
  REFERENCE_BLAS_WARNING,
  startPytorch,
  torchSkipNote,
  writeMnistBytes,
} from './pytorch.js';
import { efficiencies, torchTable } from './ratios.js';
import type { BenchRecord } from './record.js';
import { RemoteProcess } from './remote.js';
import {
  type RemoteSystem,
  remoteConvSystem,
  remoteMatmulSystem,
  remoteTrainingRunner,
} from './remote-systems.js';
import { buildReport, type TorchReport } from './report.js';
import type { TimingOptions } from './timing.js';
import { measureTraining, referenceTable, trainingTable } from './training.js';
import { TRAINING_CONFIGS, type TrainingBudget } from './training-config.js';
import { nablaRunner } from './training-nabla.js';
import type { RunnerFactory } from './training-runner.js';
import { tfjsFitRunner, tfjsLoopRunner } from './training-tfjs.js';
import type { Unsupported } from './unsupported.js';

const BENCHES = ['matmul', 'conv', 'train-a', 'train-b', 'train-cnn', 'heap'] as const;
type BenchName = (typeof BENCHES)[number];

const USAGE = `Usage: pnpm bench [--quick] [--only NAME]... [--json FILE] [--node MAJOR]

  --quick       a short version: fewer and shorter runs (numbers are noisier)
  --only NAME   run only this bench (repeatable): ${BENCHES.join(', ')}
  --json FILE   also write the run's conditions and one record per measurement
  --node MAJOR  also run Nabla on Node MAJOR (e.g. 24), installed from the npm registry into
                bench/.nodeMAJOR, taking turns with the others (the machine's Node runs the rest)
  --help        this text

PyTorch runs when \`python3 -c 'import torch'\` works (or $NABLA_BENCH_PYTHON's), else is skipped.`;

interface Args {
  quick: boolean;
  only: BenchName[];
  json?: string;
  node?: number;
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      json: { type: 'string' },
      node: { type: 'string' },
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
    ...(values.node === undefined ? {} : { node: parseNodeMajor(values.node) }),
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The systems run in other processes: Nabla on another Node binary, PyTorch in Python. */
interface Remotes {
  node?: { side: RemoteSystem; version: string };
  torch?: PytorchSide;
  torchReport: TorchReport | null;
  mnist?: MnistFiles;
}

async function startRemotes(
  args: Args,
  trainingData: () => Promise<TrainingData>,
): Promise<Remotes> {
  const remotes: Remotes = { torchReport: null };
  if (args.node !== undefined) {
    const localMajor = Number(process.versions.node.split('.')[0]);
    if (localMajor === args.node) {
      console.log(
        `--node ${args.node}: the machine's Node is already ${process.version}; no second Node runs`,
      );
    } else {
      const { binary, version } = ensureNode(args.node, log);
      const process_ = new RemoteProcess(
        `nabla@node${args.node}`,
        binary,
        ['--import', 'tsx', 'src/nabla-server.ts'],
        BENCH_DIR,
      );
      const hello = await process_.request('hello');
      const name = `${String(hello.system)}@node${args.node}`;
      remotes.node = {
        version,
        side: {
          process: process_,
          name,
          description: `Node ${version} (${binary}), ${JSON.stringify(hello.info)}`,
          trainFields: () => ({}),
        },
      };
      log(`${name}: ${remotes.node.side.description}`);
    }
  }
  if (args.only.some((b) => b !== 'heap')) {
    const candidates = pythonCandidates(process.env);
    const python = findTorchPython(candidates, canImportTorch);
    if (python === undefined) {
      const note = torchSkipNote(candidates);
      console.log(note);
      remotes.torchReport = { ran: false, note };
    } else {
      remotes.torch = await startPytorch(python, async () => {
        remotes.mnist ??= writeMnistBytes(await trainingData());
        return remotes.mnist.fields;
      });
      const { info, blasVerdict } = remotes.torch;
      console.log(`PyTorch: ${remotes.torch.description}`);
      const reference = blasVerdict.kind === 'reference';
      if (reference) console.log(`WARNING: ${REFERENCE_BLAS_WARNING}`);
      remotes.torchReport = {
        ran: true,
        info,
        blas: blasVerdict,
        ...(reference ? { warning: REFERENCE_BLAS_WARNING } : {}),
      };
    }
  }
  return remotes;
}

async function main(): Promise<void> {
  // pnpm passes a literal `--` through when called as `pnpm bench -- --quick`; drop it.
  const args = parse(process.argv.slice(2).filter((a) => a !== '--'));
  const started = new Date();
  const loadStart = loadavg();
  console.log(
    `Nabla bench, ${started.toISOString()}: ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)${args.quick ? ', --quick' : ''}`,
  );
  const records: BenchRecord[] = [];
  const unsupported: Unsupported[] = [];

  let data: TrainingData | undefined;
  const trainingData = async (): Promise<TrainingData> => {
    if (data === undefined) {
      log('loading MNIST');
      data = await loadTrainingData();
    }
    return data;
  };

  const remotes = await startRemotes(args, trainingData);
  try {
    const nodeSide = remotes.node?.side;
    const torch = remotes.torch;

    if (args.only.includes('matmul')) {
      const timing: TimingOptions = args.quick
        ? { runs: 3, minRunMs: 80, warmupMs: 100 }
        : { runs: 7, minRunMs: 250, warmupMs: 150 };
      const systems = [
        ...nablaMatmulSystems(),
        ...(nodeSide ? [remoteMatmulSystem(nodeSide)] : []),
        tfjsMatmulSystem('cpu'),
        tfjsMatmulSystem('wasm'),
        ...(torch ? [remoteMatmulSystem(torch)] : []),
      ];
      const measured = await runMatmul(systems, timing, log);
      records.push(...measured);
      console.log(`\n${matmulTable(measured)}\n`);
    }

    if (args.only.includes('conv')) {
      const timing: TimingOptions = args.quick
        ? { runs: 3, minRunMs: 150, warmupMs: 150 }
        : { runs: 7, minRunMs: 400, warmupMs: 300 };
      const systems = [
        nablaConvSystem('auto'),
        ...(getThreads() > 1 ? [nablaConvSystem(1)] : []),
        tfjsConvSystem('wasm', ['forward', 'forward+backward']),
        tfjsWasmComposedSystem(),
        // tf.grads of a conv on the cpu backend takes ~20 s per call at these shapes.
        tfjsConvSystem('cpu', ['forward']),
        ...(torch ? [remoteConvSystem(torch)] : []),
      ];
      const measured = await runConv(systems, timing, log);
      records.push(...measured.records);
      unsupported.push(...measured.unsupported);
      console.log(`\n${convTable(measured.records, measured.unsupported)}\n`);
    }

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
        ...(nodeSide ? [remoteTrainingRunner(nodeSide)] : []),
        (c, d) => tfjsFitRunner('cpu', c, d),
        (c, d) => tfjsFitRunner('wasm', c, d),
        tfjsLoopRunner,
        ...(torch ? [remoteTrainingRunner(torch)] : []),
      ];
      // The CNN: TFJS-wasm's model.fit (which lacks a kernel: reported unsupported) but not TFJS
      // cpu (its convolution gradients take ~20 s per batch here) nor the MLP-only loop.
      const cnnSystems: RunnerFactory[] = [
        nablaRunner('auto'),
        ...(getThreads() > 1 ? [nablaRunner(1)] : []),
        ...(nodeSide ? [remoteTrainingRunner(nodeSide)] : []),
        (c, d) => tfjsFitRunner('wasm', c, d),
        ...(torch ? [remoteTrainingRunner(torch)] : []),
      ];
      const measured: BenchRecord[] = [];
      const failed: Unsupported[] = [];
      for (const config of configs) {
        const which = config.model === 'cnn' ? cnnSystems : systems;
        measured.push(...(await measureTraining(which, config, data, budget, log, failed)));
      }
      records.push(...measured);
      unsupported.push(...failed);
      console.log(`\n${trainingTable(configs, measured, failed)}\n\n${referenceTable()}\n`);
    }

    const versus = torchTable(records, configs, Number(process.versions.node.split('.')[0]));
    if (versus !== '') console.log(`${versus}\n`);

    if (args.only.includes('heap')) {
      const measured = runHeap(await trainingData(), 3, args.quick ? 300 : 1_000);
      records.push(...measured);
      console.log(`\n${heapTable(measured)}\n`);
    }
  } finally {
    await remotes.node?.side.process.close();
    await remotes.torch?.process.close();
    remotes.mnist?.remove();
  }

  const loadEnd = loadavg();
  if (args.json !== undefined) {
    // Relative to where `pnpm bench` was typed, not to the bench package pnpm runs in.
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), args.json);
    const configB = TRAINING_CONFIGS.find((c) => c.bench === 'train-b');
    const report = buildReport({
      started,
      finished: new Date(),
      quick: args.quick,
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      cores: cpus().length,
      loadStart,
      loadEnd,
      node: {
        machine: process.version,
        ...(remotes.node ? { [`node${args.node}`]: remotes.node.version } : {}),
      },
      pytorch: remotes.torchReport,
      efficiency: configB ? efficiencies(records, configB) : [],
      records,
      unsupported,
    });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${records.length} records to ${file}`);
  }
  console.log(
    `load average at the end: ${loadEnd.map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min)`,
  );
  log(`done in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
