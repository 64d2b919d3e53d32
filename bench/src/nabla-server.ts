/**
 * Nabla behind the bench's line protocol (the same one bench/pytorch/runner.py serves), so that
 * `pnpm bench --node 24` can measure Nabla on another Node binary, taking turns with the systems
 * of the main process. Run as `node --import tsx src/nabla-server.ts` in bench/; one JSON request
 * per line on stdin, one JSON reply per line on stdout.
 */
import { createInterface } from 'node:readline';
import { backendName, getThreads, setBackend, setThreads } from '@nabla/tensor';
import type { MatmulCase } from './matmul-cases.js';
import { nablaMatmulSystem } from './matmul-nabla.js';
import type { PreparedMatmul } from './matmul-system.js';
import { loadTrainingData, type TrainingData } from './mnist.js';
import { nablaRunner } from './training-nabla.js';
import type { TrainingRunner } from './training-runner.js';

type Request = Record<string, unknown>;

const num = (r: Request, field: string): number => {
  const v = r[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${String(r.op)}: field ${field} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
};

let matmul: PreparedMatmul | undefined;
let training: TrainingRunner | undefined;
let data: TrainingData | undefined;

async function dispose(): Promise<void> {
  await matmul?.dispose();
  await training?.dispose();
  matmul = undefined;
  training = undefined;
}

async function handle(r: Request): Promise<Record<string, unknown>> {
  switch (r.op) {
    case 'hello': {
      setBackend('auto');
      setThreads('auto');
      return {
        system: `nabla-${backendName()}`,
        info: { node: process.version, backend: backendName(), threads: getThreads() },
      };
    }
    case 'matmul-prepare': {
      await dispose();
      const c: MatmulCase = {
        bench: 'remote',
        label: 'remote',
        m: num(r, 'm'),
        n: num(r, 'n'),
        k: num(r, 'k'),
        transA: r.transA === true,
        transB: r.transB === true,
      };
      const timing = {
        runs: num(r, 'runs'),
        minRunMs: num(r, 'minRunMs'),
        warmupMs: num(r, 'warmupMs'),
      };
      matmul = await nablaMatmulSystem(
        (auto) => auto,
        () => {},
      ).prepare(c, timing);
      return {};
    }
    case 'matmul-run': {
      if (matmul === undefined) throw new Error('matmul-run before matmul-prepare');
      return { seconds: await matmul.run() };
    }
    case 'train-setup': {
      await dispose();
      data ??= await loadTrainingData();
      const sizes = r.sizes;
      if (!Array.isArray(sizes) || !sizes.every((s) => Number.isInteger(s))) {
        throw new Error(
          `train-setup: sizes must be an array of integers, got ${JSON.stringify(sizes)}`,
        );
      }
      const config = {
        bench: 'remote',
        label: 'remote',
        model: r.model === 'cnn' ? ('cnn' as const) : ('mlp' as const),
        sizes: sizes as number[],
        batchSize: num(r, 'batchSize'),
        lr: num(r, 'lr'),
        target: 0,
      };
      training = await nablaRunner('auto')(config, data);
      return { info: `${training.info}, Node ${process.version}` };
    }
    case 'train-epoch': {
      if (training === undefined) throw new Error('train-epoch before train-setup');
      return { seconds: await training.epoch(num(r, 'samples')) };
    }
    case 'dispose':
      await dispose();
      return {};
    default:
      throw new Error(`unknown op ${JSON.stringify(r.op)}`);
  }
}

async function serve(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    let reply: Record<string, unknown>;
    try {
      reply = { ok: true, ...(await handle(JSON.parse(line) as Request)) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
  await dispose();
  // Nabla's worker threads would keep the process alive after the end of input.
  process.exit(0);
}

void serve();
