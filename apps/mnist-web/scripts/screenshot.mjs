// The README's screenshot: the built site in headless Chromium (vite preview, isolated), trained
// with the demo's defaults for N epochs (default 3), a test digit drawn on the pad by pointer
// strokes. Build first: pnpm --filter mnist-web build. Usage: node scripts/screenshot.mjs [epochs]
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const epochs = process.argv[2] ?? '3';
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
const server = await preview({ root, preview: { port: 0 }, logLevel: 'silent' });
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
await page.goto(server.resolvedUrls?.local[0]);
await page.waitForSelector('#status[data-ready]', { timeout: 120_000 });
await page.fill('[name=epochs]', epochs);
await page.click('#train');
await page.waitForSelector('body[data-state=training]');
await page.waitForSelector('body[data-state=idle]', { timeout: 1_800_000 });

// Test image 61 (an 8), drawn 7× larger, one stroke per run of ink in each row.
const images = gunzipSync(await readFile(`${root}dist/mnist/t10k-images-idx3-ubyte.gz`)).subarray(
  16,
);
const index = 61;
const image = images.subarray(index * 784, (index + 1) * 784);
const pad = await page.locator('#pad').boundingBox();
for (let r = 0; r < 28; r++) {
  for (let c = 0; c < 28; c++) {
    if (image[r * 28 + c] < 128) continue;
    let end = c;
    while (end + 1 < 28 && image[r * 28 + end + 1] >= 128) end++;
    const y = pad.y + 30 + (r + 0.5) * 7;
    await page.mouse.move(pad.x + 60 + (c + 0.5) * 7, y);
    await page.mouse.down();
    await page.mouse.move(pad.x + 60 + (end + 0.5) * 7, y, { steps: 2 });
    await page.mouse.up();
    c = end;
  }
}
await page.waitForSelector('#prediction[data-digit]');
await page.waitForTimeout(500);
const out = `${root}screenshot.png`;
await page.screenshot({ path: out, fullPage: true });
console.log(
  `${await page.textContent('#engine')}\n${await page.textContent('#test-accuracy')}\n${await page.textContent('#prediction')}\nwrote ${out}`,
);
await server.close();
await browser.close();
