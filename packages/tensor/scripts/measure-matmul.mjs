#!/usr/bin/env node
// GFLOP/s of the float32 matmul through the public API (dist/, so run `pnpm build` first), per
// backend and thread count: median of several timed runs after a warm-up, and the 10th–90th
// percentile spread. Not a test: numbers depend on the machine and its load. "≤2T" allows two
// threads; the engine uses them only where its own timings show they are faster.
//
//   node scripts/measure-matmul.mjs [--quick] [--json FILE]
//
// Relaxed SIMD needs --experimental-wasm-relaxed-simd on Node 20; this script turns that V8 flag
// on at start so that both wasm levels can be compared (Node >= 22 has it by default).
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { fromTypedArray, matmul, setBackend, setThreads, zeros, createRng } = await import(
  '../dist/index.js'
);

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;

/** [label, m, n, k, transA, transB] */
const shapes = [
  ['64³', 64, 64, 64, false, false],
  ['128³', 128, 128, 128, false, false],
  ['256³', 256, 256, 256, false, false],
  ['512³', 512, 512, 512, false, false],
  ['1024³', 1024, 1024, 1024, false, false],
  ['64×784·784×128 (AB)', 64, 128, 784, false, false],
  ['(64×784)ᵀ·64×128 (AᵀB)', 784, 128, 64, true, false],
  ['64×128·(784×128)ᵀ (ABᵀ)', 64, 784, 128, false, true],
];

const configs = [
  { name: 'js', backend: 'js', threads: 1 },
  { name: 'wasm-simd 1T', backend: 'wasm-simd', threads: 1 },
  { name: 'wasm-simd ≤2T', backend: 'wasm-simd', threads: 2 },
  { name: 'wasm-relaxed 1T', backend: 'wasm-relaxed-simd', threads: 1 },
  { name: 'wasm-relaxed ≤2T', backend: 'wasm-relaxed-simd', threads: 2 },
];

/**
 * How parallel two threads of this process really run right now: the wall time of the same
 * integer loop on the main thread and a worker at once, divided by its time alone. 1.0 means two
 * free cores; 2.0 means the threads share one core (a busy or oversubscribed machine), and then
 * the 2-thread columns cannot show a speed-up.
 */
async function concurrencyRatio() {
  const loop = 'let x = 1; for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) | 0;';
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (n) => { ${loop} parentPort.postMessage(x & 1); });`,
    { eval: true },
  );
  const spin = new Function('n', `${loop} return x & 1;`);
  const n = 5e7;
  spin(n);
  const ratios = [];
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    spin(n);
    const alone = performance.now() - t;
    t = performance.now();
    const done = new Promise((resolve) => worker.once('message', resolve));
    worker.postMessage(n);
    spin(n);
    await done;
    ratios.push((performance.now() - t) / alone);
  }
  await worker.terminate();
  return ratios.sort((a, b) => a - b)[1];
}

const concurrencyBefore = await concurrencyRatio();
const rng = createRng(1);
function randomTensor(rows, cols) {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.next() * 2 - 1;
  return fromTypedArray(data, [rows, cols]);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function measure(label, m, n, k, transA, transB, config) {
  setBackend(config.backend);
  setThreads(config.threads);
  const a = transA ? randomTensor(k, m) : randomTensor(m, k);
  const b = transB ? randomTensor(n, k) : randomTensor(k, n);
  const out = zeros([m, n]);
  const flops = 2 * m * n * k;
  const run = () => matmul(a, b, { transA, transB, out });
  // Warm up for a while (JIT, memory growth, and the worker threads starting).
  const warmMs = config.backend === 'js' ? 50 : quick ? 150 : 400;
  const warmStart = performance.now();
  do run();
  while (performance.now() - warmStart < warmMs);
  const single = (() => {
    const t = performance.now();
    run();
    return performance.now() - t;
  })();
  const budgetMs = quick ? 300 : 1500;
  const runs = Math.max(
    5,
    Math.min(quick ? 50 : 200, Math.floor(budgetMs / Math.max(single, 1e-3))),
  );
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  const gflops = (ms) => flops / ms / 1e6;
  return {
    shape: label,
    backend: config.name,
    runs,
    medianMs: quantile(times, 0.5),
    gflops: gflops(quantile(times, 0.5)),
    gflopsP10: gflops(quantile(times, 0.9)),
    gflopsP90: gflops(quantile(times, 0.1)),
  };
}

const results = [];
for (const [label, m, n, k, transA, transB] of shapes) {
  for (const config of configs) {
    if (config.backend === 'js' && quick && m * n * k > 256 ** 3) continue;
    results.push(measure(label, m, n, k, transA, transB, config));
  }
}

const concurrencyAfter = await concurrencyRatio();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `matmul GFLOP/s, median (p10–p90) — ${cpu}, ${availableParallelism()} cores, Node ${process.version}`,
);
const header = ['shape', ...configs.map((c) => c.name)];
const rows = shapes.map(([label]) => [
  label,
  ...configs.map((c) => {
    const r = results.find((x) => x.shape === label && x.backend === c.name);
    return r ? `${r.gflops.toFixed(1)} (${r.gflopsP10.toFixed(1)}–${r.gflopsP90.toFixed(1)})` : '–';
  }),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `two-thread concurrency ratio (1.0 = two free cores, 2.0 = one core's worth): ${concurrencyBefore.toFixed(2)} before, ${concurrencyAfter.toFixed(2)} after`,
);
if (jsonFile) {
  const meta = { cpu, node: process.version, concurrencyBefore, concurrencyAfter };
  writeFileSync(jsonFile, JSON.stringify({ ...meta, results }, null, 2));
}
