import { Conv2d, MaxPool2d, ReLU, Flatten, Linear, Sequential, BatchNorm2d } from '@nabla/layers';
import { createRng, normal, backendName } from '@nabla/tensor';
const rng = createRng(1);
const [c1, c2] = [32, 64];
const n = Number(process.argv[2] ?? 128);
const net = new Sequential(
  new Conv2d(1, c1, 5, { rng, bias: false }), new MaxPool2d(2), new BatchNorm2d(c1), new ReLU(),
  new Conv2d(c1, c2, 5, { rng, bias: false }), new MaxPool2d(2), new BatchNorm2d(c2), new ReLU(),
  new Flatten(), new Linear(c2 * 16, 10, { rng }));
const x = normal(rng, [n, 1, 28, 28]);
const g = normal(rng, [n, 10]);
for (let i = 0; i < 2; i++) { net.forward(x, { training: true }); net.backward(g, { inputGrad: false }); }
const layers = net.layers;
const times = new Array(layers.length).fill(0), btimes = new Array(layers.length).fill(0);
const reps = Number(process.argv[3] ?? 5);
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let r = 0; r < reps; r++) {
  let h = x;
  layers.forEach((l, i) => { const t = performance.now(); h = l.forward(h, { training: true }); times[i] += performance.now() - t; });
  let gg = g;
  for (let i = layers.length - 1; i >= 0; i--) { const t = performance.now(); gg = layers[i].backward(gg, { inputGrad: i !== 0 }); btimes[i] += performance.now() - t; }
}
const per = (performance.now() - t0) / reps; const cpu = process.cpuUsage(c0);
console.log(backendName(), 'batch', n, 'ms/step', per.toFixed(1), 'samples/s', (n / per * 1000).toFixed(0), 'cpu ms/step', ((cpu.user + cpu.system) / 1000 / reps).toFixed(1));
layers.forEach((l, i) => console.log(l.name.padEnd(30), 'fwd', (times[i] / reps).toFixed(1), 'bwd', (btimes[i] / reps).toFixed(1)));
