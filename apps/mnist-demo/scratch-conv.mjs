import { Conv2d, MaxPool2d, ReLU, Flatten, Linear, Sequential, BatchNorm2d } from '@nabla/layers';
import { createRng, normal, backendName } from '@nabla/tensor';
const rng = createRng(1);
const arch = process.argv[2] ?? 'big';
const [c1, c2] = arch === 'big' ? [32, 64] : arch === 'mid' ? [16, 32] : [8, 16];
const n = Number(process.argv[3] ?? 128);
const net = new Sequential(
  new Conv2d(1, c1, 5, { rng }), new ReLU(), new MaxPool2d(2),
  new Conv2d(c1, c2, 5, { rng }), new ReLU(), new MaxPool2d(2),
  new Flatten(), new Linear(c2 * 16, 10, { rng }));
const x = normal(rng, [n, 1, 28, 28]);
const g = normal(rng, [n, 10]);
for (let i = 0; i < 2; i++) { net.forward(x, { training: true }); net.backward(g, { inputGrad: false }); }
const layers = net.layers;
const times = new Array(layers.length).fill(0), btimes = new Array(layers.length).fill(0);
const reps = 5;
const t0 = performance.now();
for (let r = 0; r < reps; r++) {
  let h = x;
  layers.forEach((l, i) => { const t = performance.now(); h = l.forward(h, { training: true }); times[i] += performance.now() - t; });
  let gg = g;
  for (let i = layers.length - 1; i >= 0; i--) { const t = performance.now(); gg = layers[i].backward(gg, { inputGrad: i !== 0 }); btimes[i] += performance.now() - t; }
}
const per = (performance.now() - t0) / reps;
console.log(backendName(), arch, 'batch', n, 'ms/step', per.toFixed(1), 'samples/s', (n / per * 1000).toFixed(0));
layers.forEach((l, i) => console.log(l.name.padEnd(30), 'fwd', (times[i] / reps).toFixed(1), 'bwd', (btimes[i] / reps).toFixed(1)));
