// The engine in real Chromium (Debian's /usr/bin/chromium driven by playwright-core; never a
// downloaded browser): the built package trains a small softmax regression inside a module Web
// Worker of a cross-origin-isolated page, under three Content-Security-Policies. Needs `dist/`
// (turbo builds it before the tests) and Chromium (`.ci/run` installs it when missing).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');

/** Trains softmax regression on a separable toy problem with the package's ops; reports. */
const WORKER = `
import * as T from '/dist/index.js';
const rng = T.createRng(1);
const n = 512, d = 64, c = 4;
const x = T.uniform(rng, [n, d], -1, 1);
const truth = T.uniform(rng, [d, c], -1, 1);
const labels = T.argmax(T.matmul(x, truth), { axis: 1 });
const w = T.zeros([d, c]);
const grad = T.zeros([d, c]);
const losses = [];
for (let step = 0; step < 60; step++) {
  const p = T.softmax(T.matmul(x, w), { axis: 1 });
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const y = labels.data[i];
    loss -= Math.log(p.data[i * c + y]);
    p.data[i * c + y] -= 1;
  }
  losses.push(loss / n);
  T.matmul(x, T.mul(p, 1 / n), { transA: true, out: grad });
  T.fusedSgdUpdate(w.data, grad.data, 0.5);
}
// A product large enough to be split, so that the engine tries its workers.
const big = T.ones([384, 384]);
for (let i = 0; i < 30; i++) T.matmul(big, big);
await new Promise((resolve) => setTimeout(resolve, 300));
for (let i = 0; i < 30; i++) T.matmul(big, big);
const correct = T.argmax(T.matmul(x, w), { axis: 1 }).data.filter((v, i) => v === labels.data[i]).length;
postMessage({ info: T.engineInfo(), first: losses[0], last: losses[losses.length - 1], accuracy: correct / n, isolated: self.crossOriginIsolated });
`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>`;
const PAGE_JS = `
const worker = new Worker('/worker.js', { type: 'module' });
worker.onmessage = (e) => { window.report = e.data; };
worker.onerror = (e) => { window.report = { error: String(e.message) }; };
`;

interface Report {
  info: { backend: string; threads: number; reasons: string[]; workersReady: number };
  first: number;
  last: number;
  accuracy: number;
  isolated: boolean;
  error?: string;
}

let server: Server;
let origin = '';
let browser: Browser | undefined;
/** The CSP the server sends with every response (set per test). */
let policy = '';

// A missing browser or build fails the run (it is never skipped): `.ci/run` installs Chromium.
if (!existsSync(CHROMIUM) || !existsSync(join(dist, 'index.js'))) {
  throw new Error(
    `browser tests: ${CHROMIUM} or ${join(dist, 'index.js')} is missing (Debian: apt-get install -y chromium; then pnpm build)`,
  );
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname);
    const headers: Record<string, string> = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (policy !== '') headers['Content-Security-Policy'] = policy;
    const fixed: Record<string, [string, string]> = {
      '/': ['text/html', PAGE],
      '/page.js': ['text/javascript', PAGE_JS],
      '/worker.js': ['text/javascript', WORKER],
    };
    const hit = fixed[path];
    if (hit !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': hit[0] });
      res.end(hit[1]);
      return;
    }
    if (path.startsWith('/dist/') && !path.includes('..')) {
      try {
        const body = await readFile(join(dist, path.slice('/dist/'.length)));
        res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
        res.end(body);
        return;
      } catch {}
    }
    res.writeHead(404, headers);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function run(csp: string): Promise<{ report: Report; console: string[] }> {
  policy = csp;
  const page = await (browser as Browser).newPage();
  const messages: string[] = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  try {
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as { report?: unknown }).report !== undefined, null, {
      timeout: 90_000,
    });
    const report = (await page.evaluate(() => (window as { report?: unknown }).report)) as Report;
    return { report, console: messages };
  } finally {
    await page.close();
  }
}

function expectTrained(r: Report): void {
  expect(r.error).toBeUndefined();
  expect(r.isolated).toBe(true);
  expect(r.last).toBeLessThan(r.first * 0.5);
  expect(r.accuracy).toBeGreaterThan(0.8);
}

describe('the engine in Chromium', () => {
  it('uses wasm and worker threads in an isolated page with no CSP', async () => {
    const { report } = await run('');
    expectTrained(report);
    expect(report.info.backend).toMatch(/^wasm-/);
    expect(report.info.threads).toBeGreaterThan(1);
    expect(report.info.workersReady).toBeGreaterThan(0);
  }, 120_000);

  it('trains on the JS kernels, saying why, when the CSP forbids wasm', async () => {
    const { report } = await run("default-src 'self'; script-src 'self'; worker-src 'self' blob:");
    expectTrained(report);
    expect(report.info.backend).toBe('js');
    expect(report.info.threads).toBe(1);
    expect(report.info.reasons.join('\n')).toMatch(
      /wasm-simd: could not start: .*(CompileError|Content Security|unsafe-eval)/i,
    );
  }, 120_000);

  it('trains on one thread and reports 1, saying why, when the CSP forbids its workers', async () => {
    const { report } = await run(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'",
    );
    expectTrained(report);
    expect(report.info.backend).toMatch(/^wasm-/);
    expect(report.info.threads).toBe(1);
    expect(report.info.workersReady).toBe(0);
    expect(report.info.reasons.join('\n')).toMatch(/threads: worker 1 could not be started/);
  }, 120_000);
});
