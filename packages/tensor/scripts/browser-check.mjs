#!/usr/bin/env node
// Manual check of the wasm kernels in a real browser (not run by CI: it needs Chromium).
//
//   pnpm build && node scripts/browser-check.mjs [path/to/chromium]
//
// Serves dist/ on 127.0.0.1 with the cross-origin-isolation headers, opens a page in headless
// Chromium that runs matmul on the page's main thread (one thread: it may not block) and in a
// module worker (threads over shared memory), and compares each with the JS backend. Exits 0 when
// every result is within float32 rounding of JS and the worker used more than one thread.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const chromium = process.argv[2] ?? process.env.CHROMIUM ?? 'chromium';

// Runs matmul at a few shapes and thread counts against the JS backend; posts a report.
const probe = `
import { backendName, fromTypedArray, getThreads, matmul, setBackend, setThreads } from '/dist/index.js';
export function run(threadCounts) {
  const report = { crossOriginIsolated: self.crossOriginIsolated, runs: [] };
  for (const [m, n, k] of [[1, 1, 1], [37, 53, 71], [300, 200, 250], [512, 512, 512]]) {
    const a = fromTypedArray(Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), [m, k]);
    const b = fromTypedArray(Float32Array.from({ length: k * n }, (_, i) => Math.cos(i)), [k, n]);
    setBackend('js');
    const ref = matmul(a, b).data;
    setBackend('auto');
    for (const threads of threadCounts) {
      setThreads(threads);
      let c = matmul(a, b).data;
      const start = performance.now();
      let calls = 0;
      while (performance.now() - start < 300) { c = matmul(a, b).data; calls++; }
      const ms = (performance.now() - start) / calls;
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - c[i]) / (1 + Math.abs(ref[i])));
      report.runs.push({ shape: [m, n, k], backend: backendName(), threads: getThreads(), worst, gflops: +(2 * m * n * k / ms / 1e6).toFixed(1) });
    }
  }
  return report;
}
`;
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { run } from '/probe.js';
const send = (body) => fetch('/report', { method: 'POST', body: JSON.stringify(body) });
await send({ where: 'page', ...run([1, 2]) });
const worker = new Worker('/worker.js', { type: 'module' });
worker.onmessage = (e) => send({ where: 'worker', ...e.data, last: true });
worker.onerror = (e) => send({ where: 'worker', error: String(e.message), last: true });
</script>`;
const worker = `import { run } from '/probe.js'; postMessage(run([1, 2]));`;

const routes = {
  '/': ['text/html', page],
  '/probe.js': ['text/javascript', probe],
  '/worker.js': ['text/javascript', worker],
};
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const reports = [];
let browser;
let failed = false;
const profile = mkdtempSync(join(tmpdir(), 'nabla-chromium-'));
const finish = (code) => {
  browser?.kill();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  process.exit(code);
};

const server = createServer(async (req, res) => {
  if (req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.writeHead(204, isolation).end();
    const report = JSON.parse(body);
    reports.push(report);
    console.log(JSON.stringify(report, null, 1));
    if (report.error || !report.crossOriginIsolated) failed = true;
    for (const r of report.runs ?? []) if (!(r.worst < 1e-4)) failed = true;
    if (report.last) {
      const threaded = report.runs?.some((r) => r.threads > 1);
      if (!threaded) failed = true;
      finish(failed ? 1 : 0);
    }
    return;
  }
  const route = routes[req.url];
  if (route) {
    res.writeHead(200, { ...isolation, 'Content-Type': route[0] }).end(route[1]);
    return;
  }
  if (req.url.startsWith('/dist/')) {
    const file = normalize(join(dist, req.url.slice('/dist/'.length)));
    if (file.startsWith(dist)) {
      try {
        const text = await readFile(file);
        res.writeHead(200, { ...isolation, 'Content-Type': 'text/javascript' }).end(text);
        return;
      } catch {}
    }
  }
  res.writeHead(404, isolation).end();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  browser = spawn(
    chromium,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      `--user-data-dir=${profile}`,
      `http://127.0.0.1:${port}/`,
    ],
    { stdio: 'ignore' },
  );
  browser.on('error', (e) => {
    console.error(`browser-check: cannot start ${chromium}: ${e.message}`);
    finish(2);
  });
});
setTimeout(() => {
  console.error('browser-check: no report after 120 s');
  finish(1);
}, 120_000).unref();
