// temporary scratch by the kernels helper; removed after use
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  for (const [m, n, k, ta, tb] of [
    [256, 256, 256, 0, 0],
    [512, 512, 512, 0, 0],
    [1024, 1024, 1024, 0, 0],
    [64, 128, 784, 0, 0],
    [784, 128, 64, 1, 0],
    [64, 784, 128, 0, 1],
  ]) {
    const a = tf.randomUniform(ta ? [k, m] : [m, k]);
    const b = tf.randomUniform(tb ? [n, k] : [k, n]);
    for (let i = 0; i < 3; i++) tf.matMul(a, b, !!ta, !!tb).dispose();
    const times = [];
    const reps = Math.max(5, Math.round(2e9 / (2 * m * n * k)));
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      const c = tf.matMul(a, b, !!ta, !!tb);
      c.dataSync();
      times.push(performance.now() - t);
      c.dispose();
    }
    times.sort((x, y) => x - y);
    console.log(
      `tfjs-wasm ${m}x${n}x${k} ta=${ta} tb=${tb}: median ${((2 * m * n * k) / times[times.length >> 1] / 1e6).toFixed(1)} best ${((2 * m * n * k) / times[0] / 1e6).toFixed(1)} GFLOP/s`,
    );
  }
})();
