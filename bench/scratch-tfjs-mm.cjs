// temporary scratch by the kernels helper; removed after use
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
(async () => {
  await tf.setBackend('wasm'); await tf.ready();
  const nb = await import('../packages/tensor/dist/index.js');
  nb.setThreads(1);
  for (const [m, n, k, ta, tb] of [[256,256,256,0,0],[512,512,512,0,0],[1024,1024,1024,0,0],[64,128,784,0,0],[784,128,64,1,0],[64,784,128,0,1]]) {
    const a = tf.randomUniform(ta ? [k, m] : [m, k]); const b = tf.randomUniform(tb ? [n, k] : [k, n]);
    const na = nb.fromTypedArray(a.dataSync(), a.shape), nbb = nb.fromTypedArray(b.dataSync(), b.shape);
    const res = { tf: [], nb: [] };
    const reps = Math.max(5, Math.round(1e9 / (2*m*n*k)));
    for (let round = 0; round < 3; round++) {
      for (const sys of ['tf', 'nb']) {
        const f = sys === 'tf' ? () => tf.matMul(a, b, !!ta, !!tb).dispose() : () => nb.matmul(na, nbb, { transA: !!ta, transB: !!tb });
        for (let i = 0; i < 2; i++) f();
        const c0 = process.cpuUsage();
        for (let r = 0; r < reps; r++) { const t = performance.now(); f(); res[sys].push(performance.now() - t); }
        const c = process.cpuUsage(c0); res[sys + 'cpu'] = Math.min(res[sys + 'cpu'] ?? Infinity, (c.user + c.system) / 1000 / reps);
      }
    }
    const med = (x) => { x.sort((p, q) => p - q); return x[x.length >> 1]; };
    const g = (ms) => (2*m*n*k/ms/1e6).toFixed(1);
    console.log(`${m}x${n}x${k} ta=${ta} tb=${tb}: tfjs-wasm median ${g(med(res.tf))} cpu ${g(res.tfcpu)} | nabla-1T median ${g(med(res.nb))} cpu ${g(res.nbcpu)}`);
  }
})();
