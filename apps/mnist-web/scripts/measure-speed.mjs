// Samples/s of the page's training worker on `pnpm bench`'s config A (784-128-10, batch 64, SGD
// lr 0.01, the full 60,000 images), in headless Chromium, served by `vite preview` with the
// isolation headers (threads) and without (one thread). Build first: pnpm --filter mnist-web build.
// Usage: node scripts/measure-speed.mjs [epochs]
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const epochs = process.argv[2] ?? '2';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
for (const isolated of [true, false]) {
  const server = await preview(
    isolated
      ? { root, preview: { port: 0 }, logLevel: 'silent' }
      : { root, configFile: false, base: './', preview: { port: 0 }, logLevel: 'silent' },
  );
  const url = server.resolvedUrls?.local[0];
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('#status[data-ready]', { timeout: 120_000 });
  const settings = {
    hidden: '128',
    batchSize: '64',
    lr: '0.01',
    epochs,
    trainLimit: '60000',
    seed: '1',
  };
  for (const [name, value] of Object.entries(settings)) await page.fill(`[name=${name}]`, value);
  await page.selectOption('[name=optimizer]', 'sgd');
  await page.selectOption('[name=schedule]', 'constant');
  await page.click('#train');
  await page.waitForSelector('body[data-state=training]');
  await page.waitForSelector('body[data-state=idle]', { timeout: 600_000 });
  const rows = await page.$$eval('#epochs tbody tr', (trs) =>
    trs.map((tr) => ({
      samplesPerSecond: Math.round(Number(tr.dataset.samplesPerSecond)),
      test: Number(tr.dataset.testAccuracy),
    })),
  );
  console.log(`${isolated ? 'isolated' : 'not isolated'}: ${await page.textContent('#engine')}`);
  for (const [i, r] of rows.entries())
    console.log(
      `  epoch ${i + 1}: ${r.samplesPerSecond} samples/s, test ${(100 * r.test).toFixed(2)} %`,
    );
  await page.close();
  await server.close();
}
await browser.close();
