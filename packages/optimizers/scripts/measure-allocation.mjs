// Checks that step() allocates nothing in steady state, for every built-in optimizer, on the
// built package: after warm-up, 300k steps must leave the heap within a few bytes per step
// (a single small object per step would cost ≥ 16 bytes). Run: pnpm measure:allocation
import { builtinOptimizerNames, optimizerFactories } from '@nabla/optimizers';
import { createParameter, zeros } from '@nabla/tensor';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const options = {
  sgd: { weightDecay: 0.01 },
  momentum: { dampening: 0.1 },
  nesterov: { weightDecay: 0.01 },
  adam: { amsgrad: true, weightDecay: 0.01 },
  adamw: { amsgrad: true },
  rmsprop: { centered: true, momentum: 0.9 },
  adagrad: { lrDecay: 0.01 },
};
const steps = 300_000;
let failed = false;
for (const name of builtinOptimizerNames) {
  const params = [
    createParameter('w', zeros([16], 'float32')),
    createParameter('b', zeros([4], 'float64')),
  ];
  for (const p of params) p.grad.data.fill(0.1);
  const optimizer = optimizerFactories[name](params, options[name]);
  for (let i = 0; i < 20_000; i++) optimizer.step();
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < steps; i++) optimizer.step();
  const perStep = (process.memoryUsage().heapUsed - before) / steps;
  const ok = perStep < 4;
  failed ||= !ok;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(9)} ${perStep.toFixed(3)} bytes of heap per step`,
  );
}
process.exit(failed ? 1 : 0);
