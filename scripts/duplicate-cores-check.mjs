#!/usr/bin/env node
// Duplicate cores, as npm makes them: packs the public packages, installs the tarballs with npm
// into a fresh project where each sibling (layers, losses, optimizers, data) gets its own nested
// copy of @nabla/tensor (npm `overrides` pointing each sibling at a skewed tensor version), then
// trains a tiny network with the siblings, saves a checkpoint with the root copy's
// `encodeSafetensors` and reads it back. Exits 0 when all of that works.
//
//   pnpm build && node scripts/duplicate-cores-check.mjs [--keep]
//
// --keep leaves the temp project on disk (its path is printed) for poking at by hand.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  npmInstall,
  packAll,
  publicPackages,
  run,
  step,
  tempDir,
} from './release/pack-and-install.mjs';

const start = performance.now();
const keep = process.argv.includes('--keep');
const work = tempDir('duplicate-cores');
const packs = join(work, 'packs');
const project = join(work, 'project');
mkdirSync(project);

const packages = publicPackages();
const tarballs = packAll(packs, packages);
step(start, `packed ${tarballs.size} packages into ${packs}`);

// Repacks a tarball after editing its manifest (same code, other metadata).
function repack(name, edit) {
  const dir = join(work, `repack-${name.replace(/\W/g, '-')}`);
  mkdirSync(dir);
  run('tar', ['-xzf', tarballs.get(name), '-C', dir, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  edit(manifest);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const file = run('npm', ['pack', '--pack-destination', join(work, 'repacked'), '--silent'], {
    cwd: dir,
  });
  return join(work, 'repacked', file.trim().split('\n').pop());
}
mkdirSync(join(work, 'repacked'));

// A second tensor tarball with a skewed patch version (same code): what a user gets when a
// sibling was published against another tensor release.
const skewTarball = repack('@nabla/tensor', (manifest) => {
  const [major, minor, patch] = manifest.version.split(/[.-]/).map(Number);
  manifest.version = `${major}.${minor}.${patch + 1}`;
});

// npm never nests a peer dependency (it fails with ERESOLVE instead, which is why the siblings
// declare the core as a peer). Nested copies come from a plugin that lists the core as a regular
// dependency, as the siblings did before and a third-party package still may: make each sibling
// such a package, pinned by an override to the skewed core.
const siblings = packages.filter((p) => p.name !== '@nabla/tensor').map((p) => p.name);
for (const name of siblings) {
  tarballs.set(
    name,
    repack(name, (manifest) => {
      const range = manifest.peerDependencies?.['@nabla/tensor'] ?? '*';
      delete manifest.peerDependencies?.['@nabla/tensor'];
      manifest.dependencies = { ...manifest.dependencies, '@nabla/tensor': range };
    }),
  );
}
const dependencies = Object.fromEntries(
  [...tarballs].map(([name, file]) => [name, `file:${file}`]),
);
const overrides = Object.fromEntries(
  siblings.map((name) => [name, { '@nabla/tensor': `file:${skewTarball}` }]),
);
npmInstall(project, {
  name: 'duplicate-cores',
  private: true,
  type: 'module',
  dependencies,
  overrides,
});
step(start, `npm installed the tarballs into ${project}`);

const nested = siblings.filter((name) =>
  existsSync(join(project, 'node_modules', name, 'node_modules', '@nabla', 'tensor')),
);
console.log(`nested copies of @nabla/tensor under: ${nested.join(', ') || 'none'}`);
if (nested.length === 0) {
  throw new Error('npm placed no nested @nabla/tensor copy: the scenario was not reproduced');
}

writeFileSync(
  join(project, 'train.mjs'),
  `import { Linear, ReLU, Sequential } from '@nabla/layers';
import { SoftmaxCrossEntropy } from '@nabla/losses';
import { Adam } from '@nabla/optimizers';
import { TensorDataset, DataLoader } from '@nabla/data';
import { createRng, decodeSafetensors, encodeSafetensors, normal, tensor } from '@nabla/tensor';

const rng = createRng(3);
// Two Gaussian blobs, labels 0 and 1, made with the root copy of the core.
const x = normal(rng, [64, 2], 0, 1);
const labels = [];
for (let i = 0; i < 64; i++) {
  const label = i % 2;
  x.data[2 * i] += label === 1 ? 2 : -2;
  labels.push(label);
}
const y = tensor(labels, 'int32');
const model = new Sequential(new Linear(2, 8, { rng }), new ReLU(), new Linear(8, 2, { rng }));
const loss = new SoftmaxCrossEntropy();
const optimizer = new Adam(model.parameters(), { lr: 0.05 });
const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 1 });
let first;
let last;
for (let epoch = 0; epoch < 20; epoch++) {
  for (const [bx, by] of loader) {
    const out = loss.compute(model.forward(bx, { training: true }), by);
    first ??= out.loss;
    last = out.loss;
    model.backward(out.grad, { inputGrad: false });
    optimizer.step();
  }
}
console.log(\`loss \${first.toFixed(4)} → \${last.toFixed(4)}\`);
if (!(last < first / 2)) throw new Error('training did not reduce the loss');
const bytes = encodeSafetensors(model.stateDict());
const { tensors } = decodeSafetensors(bytes);
console.log(\`checkpoint: \${bytes.length} bytes, tensors \${Object.keys(tensors).join(', ')}\`);
`,
);

let failed = false;
try {
  console.log(run('node', ['train.mjs'], { cwd: project }).trim());
  step(start, 'trained and saved a checkpoint across duplicate cores');
} catch (error) {
  failed = true;
  console.error(error.message);
  step(start, 'FAILED: duplicate cores do not interoperate');
}
if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
