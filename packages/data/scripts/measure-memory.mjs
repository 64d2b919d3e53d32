// Measures what loading MNIST costs in resident memory, and that batching allocates nothing.
// Run after a build:  pnpm --filter @nabla/data measure:memory
//   (or: pnpm build && node --expose-gc scripts/measure-memory.mjs)
// Exits with status 1 when loading both splits raises RSS by 80 MB or more.
import { DataLoader, MnistDataset } from '../dist/index.js';
import { loadMnist } from '../dist/node.js';

const LIMIT_MB = 80;
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const MB = 1024 * 1024;
const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

await settle();
const before = process.memoryUsage();
const started = performance.now();
const mnist = await loadMnist();
const loadMs = performance.now() - started;
await settle();
const after = process.memoryUsage();
const peakRss = process.resourceUsage().maxRSS * 1024;

const rssDelta = after.rss - before.rss;
const payload =
  mnist.train.images.byteLength +
  mnist.train.labels.byteLength +
  mnist.test.images.byteLength +
  mnist.test.labels.byteLength;
console.log(
  `MNIST train ${mnist.train.length} + test ${mnist.test.length} loaded in ${loadMs.toFixed(0)} ms`,
);
console.log(`  data held (uint8 images + labels): ${mb(payload)}`);
console.log(
  `  RSS before ${mb(before.rss)}, after ${mb(after.rss)}: +${mb(rssDelta)} (limit ${LIMIT_MB} MB)`,
);
console.log(
  `  external/arrayBuffers +${mb(after.arrayBuffers - before.arrayBuffers)}, heap +${mb(after.heapUsed - before.heapUsed)}`,
);
console.log(
  `  peak RSS of the process so far: ${mb(peakRss)} (+${mb(peakRss - before.rss)} over the start)`,
);

// Heap growth over one epoch of 938 batches of 64: reused buffers vs a new batch every time.
async function epochHeapGrowth(reuseBuffers) {
  const loader = new DataLoader(new MnistDataset(mnist.train), {
    batchSize: 64,
    shuffle: true,
    seed: 1,
    reuseBuffers,
  });
  for (const _ of loader) break; // create the buffers once
  await settle();
  const heap0 = process.memoryUsage();
  let batches = 0;
  for (const { x } of loader) batches += x.shape[0] > 0 ? 1 : 0;
  const heap1 = process.memoryUsage();
  return {
    batches,
    growth: heap1.heapUsed + heap1.arrayBuffers - heap0.heapUsed - heap0.arrayBuffers,
  };
}
const reused = await epochHeapGrowth(true);
const fresh = await epochHeapGrowth(false);
console.log(
  `one epoch (${reused.batches} batches of 64): heap+buffers grew ${mb(reused.growth)} with reused buffers, ${mb(fresh.growth)} with a new batch each time (no GC in between may hide part of the latter)`,
);

if (rssDelta >= LIMIT_MB * MB) {
  console.error(`FAIL: loading MNIST raised RSS by ${mb(rssDelta)}, over the ${LIMIT_MB} MB limit`);
  process.exit(1);
}
console.log(`OK: +${mb(rssDelta)} < ${LIMIT_MB} MB`);
