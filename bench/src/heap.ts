import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataLoader, type MnistBatch, MnistDataset } from '@nabla/data';
import { Linear, ReLU, Sequential } from '@nabla/layers';
import { SoftmaxCrossEntropy } from '@nabla/losses';
import { SGD } from '@nabla/optimizers';
import { backendName, createRng } from '@nabla/tensor';
import type { TrainingData } from './mnist.js';
import type { BenchRecord } from './record.js';
import { summarize } from './stats.js';

/** A full garbage collection, without needing `node --expose-gc` on the command line. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('heap bench: could not obtain gc()');
  return () => {
    gc();
    gc();
  };
}

/**
 * Steady-state heap growth of config A's training step (784-128-10, batch 64, SGD): after 300
 * warm-up steps, the heap after a full GC is compared before and after `steps` more steps.
 * Retained growth ≈ 0 means the step keeps nothing; `transient` is the garbage made per step
 * (small objects such as iterator results), measured without a GC in between.
 */
export function runHeap(data: TrainingData, runs: number, steps: number): BenchRecord[] {
  const gc = gcFunction();
  const rng = createRng(1);
  const model = new Sequential<'float32'>(
    new Linear(784, 128, { rng }),
    new ReLU(),
    new Linear(128, 10, { rng }),
  );
  const loss = new SoftmaxCrossEntropy();
  const optimizer = new SGD(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(new MnistDataset(data.split, { resident: true }), {
    batchSize: 64,
    shuffle: true,
    seed: 1,
    dropLast: true,
  });
  const ctx = { training: true };
  const skip = { inputGrad: false };
  let it: Iterator<MnistBatch> = loader[Symbol.iterator]();
  const step = (): void => {
    let r = it.next();
    if (r.done === true) {
      it = loader[Symbol.iterator]();
      r = it.next();
    }
    const { x, y } = r.value as MnistBatch;
    model.backward(loss.compute(model.forward(x, ctx), y).grad, skip);
    optimizer.step();
  };
  for (let i = 0; i < 300; i++) step();
  const retained: number[] = [];
  const transient: number[] = [];
  const buffers: number[] = [];
  for (let run = 0; run < runs; run++) {
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < steps; i++) step();
    const noGc = process.memoryUsage().heapUsed;
    gc();
    const after = process.memoryUsage();
    retained.push(after.heapUsed - before.heapUsed);
    transient.push((noGc - before.heapUsed) / steps);
    buffers.push(after.arrayBuffers - before.arrayBuffers);
  }
  const system = `nabla-${backendName()}`;
  const note = `${steps} steps of config A per run, after 300 warm-up steps`;
  return [
    { bench: 'heap-retained', system, unit: 'bytes', ...summarize(retained), note },
    { bench: 'heap-transient', system, unit: 'bytes/step', ...summarize(transient), note },
    { bench: 'heap-array-buffers', system, unit: 'bytes', ...summarize(buffers), note },
  ];
}

export function heapTable(records: readonly BenchRecord[]): string {
  const lines = [
    'Steady-state memory of the config A training step (lower is better; ≈ 0 retained is the target):',
  ];
  for (const r of records) {
    lines.push(
      `  ${r.bench.padEnd(20)} ${String(Math.round(r.median)).padStart(10)} ${r.unit.padEnd(10)} (min ${Math.round(r.min)}, max ${Math.round(r.max)}, ${r.runs} runs of ${r.note ?? ''})`,
    );
  }
  return lines.join('\n');
}
