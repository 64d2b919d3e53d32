// Loads three copies of the built core into one process — the ESM build, the CJS build and a copy
// of the package directory — and @nabla/layers' ESM and CJS builds (each over its own copy), then
// uses every copy's functions on the others' tensors. Prints one JSON report (two-cores.test.ts
// reads it). Run after `pnpm build`.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const osThreads = () => readdirSync('/proc/self/task').length;

const tensorDir = dirname(require.resolve('@nabla/tensor/package.json'));
const copyDir = mkdtempSync(join(tmpdir(), 'nabla-core-copy-'));
cpSync(join(tensorDir, 'dist'), join(copyDir, 'dist'), { recursive: true });
cpSync(join(tensorDir, 'package.json'), join(copyDir, 'package.json'));

const esm = await import('@nabla/tensor');
const cjs = require('@nabla/tensor');
const copy = await import(pathToFileURL(join(copyDir, 'dist', 'index.js')).href);
const layersEsm = await import('@nabla/layers');
const layersCjs = require('@nabla/layers');
const cores = { esm, cjs, copy };
const report = { distinct: esm.Tensor !== cjs.Tensor && cjs.Tensor !== copy.Tensor, ops: {} };

// Every core's ops on tensors made by every other core.
for (const [maker, m] of Object.entries(cores)) {
  const rng = m.createRng(3);
  const a = m.uniform(rng, [4, 3], -1, 1);
  const b = m.uniform(rng, [3, 5], -1, 1);
  const labels = m.tensor([0, 2, 1, 2], 'int32');
  for (const [user, u] of Object.entries(cores)) {
    const results = {
      instanceof: a instanceof u.Tensor,
      isTensor: u.isTensor(a),
      matmul: u.matmul(a, b).shape.join('x'),
      matmulT: u.matmul(a, a, { transB: true }).shape.join('x'),
      add: u.add(a, 1).shape.join('x'),
      mulBroadcast: u.mul(a, u.tensor([1, 2, 3])).shape.join('x'),
      exp: u.exp(a).size,
      sum: u.sum(a, { axis: 0 }).shape.join('x'),
      softmax: u.softmax(a, { axis: 1 }).shape.join('x'),
      argmax: u.argmax(a, { axis: 1 }).dtype,
      transpose: u.transpose(a).shape.join('x'),
      concat: u.concat([a, a], 0).shape.join('x'),
      where: u.where(u.greater(a, 0), a, u.zerosLike(a)).shape.join('x'),
      allClose: u.allClose(a, a),
      astype: labels.astype('float32').dtype,
      safetensors: Object.keys(u.decodeSafetensors(u.encodeSafetensors({ a, labels })).tensors)
        .sort()
        .join(','),
    };
    report.ops[`${maker}→${user}`] = results;
  }
}

// Siblings: a model built by the CJS layers (over the CJS core) trained on ESM-core tensors,
// saved by the copied core, loaded into a model of the ESM layers.
const rng = copy.createRng(1);
const build = (L) =>
  new L.Sequential(new L.Linear(3, 4, { rng }), new L.ReLU(), new L.Linear(4, 2, { rng }));
const modelCjs = build(layersCjs);
const x = esm.tensor([
  [1, 2, 3],
  [-1, 0.5, 2],
]);
const y = modelCjs.forward(x, { training: true });
modelCjs.backward(copy.onesLike(y), { inputGrad: false });
const bytes = copy.encodeSafetensors(modelCjs.stateDict());
const modelEsm = build(layersEsm);
modelEsm.loadStateDict(cjs.decodeSafetensors(bytes).tensors);
report.sibling = {
  gradShape: modelCjs.parameters()[0].grad.shape.join('x'),
  sameOutput: esm.allClose(modelEsm.forward(x, { training: false }), y),
};

// One engine: one setThreads governs every copy, one worker pool serves them all.
report.oneEngine = esm.getEngine() === cjs.getEngine() && cjs.getEngine() === copy.getEngine();
esm.setThreads(1);
report.threadsAfterSetThreads1 = [cjs.getThreads(), copy.getThreads()];
cjs.setThreads(2);
report.threadsAfterSetThreads2 = [esm.getThreads(), copy.getThreads()];
const big = (m) => m.ones([256, 256]);
const out = esm.zeros([256, 256]);
const before = osThreads();
const deadline = Date.now() + 20_000;
while (esm.engineInfo().workersReady < 1 && Date.now() < deadline) {
  esm.matmul(big(esm), big(esm), { out });
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const withPool = osThreads();
for (let i = 0; i < 20; i++) {
  cjs.matmul(big(cjs), big(copy), { out });
  copy.matmul(big(copy), big(esm), { out });
}
report.workers = {
  ready: copy.engineInfo().workersReady,
  started: withPool - before,
  startedByOtherCopies: osThreads() - withPool,
  result: out.get(0, 0),
};
report.info = esm.engineInfo();
rmSync(copyDir, { recursive: true, force: true });
console.log(JSON.stringify(report));
