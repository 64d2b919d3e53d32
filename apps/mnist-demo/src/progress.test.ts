import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('createProgress (plain lines, for CI and pipes)', () => {
  it('writes a line per quarter of the epoch with samples/s, running loss and ETA', async () => {
    const { stream, text } = capture();
    let t = 0;
    const progress = createProgress({ stream, tty: false, now: () => t });
    const epoch = progress.startEpoch(2, 5, 1000);
    for (let done = 100; done <= 1000; done += 100) {
      t += 100; // 100 samples every 100 ms: 1000 samples/s
      epoch.update(done, 1 / done);
    }
    epoch.stop();
    await new Promise((r) => setImmediate(r));
    const lines = text().trim().split('\n');
    expect(lines).toEqual([
      'epoch 2/5: 300/1000 samples, 1000 samples/s, loss 0.0033, ETA 1s',
      'epoch 2/5: 500/1000 samples, 1000 samples/s, loss 0.0020, ETA 1s',
      'epoch 2/5: 800/1000 samples, 1000 samples/s, loss 0.0013, ETA 0s',
    ]);
  });

  it('is a plain stream when the stream is not a terminal', async () => {
    const { stream, text } = capture();
    const epoch = createProgress({ stream }).startEpoch(1, 1, 4);
    epoch.update(2, 0.5);
    epoch.stop();
    await new Promise((r) => setImmediate(r));
    expect(text()).toMatch(/^epoch 1\/1: 2\/4 samples, \d+ samples\/s, loss 0\.5000, ETA \S+\n$/);
  });
});

describe('createProgress (live bar on a terminal)', () => {
  function terminal() {
    const c = capture();
    Object.assign(c.stream, { isTTY: true, columns: 120 });
    return c;
  }

  it('draws a bar with samples/s, running loss and ETA, and removes it at the end', async () => {
    const { stream, text } = terminal();
    let t = 0;
    const epoch = createProgress({ stream, now: () => t }).startEpoch(3, 10, 1000);
    t = 500;
    epoch.update(500, 0.25);
    epoch.stop();
    await new Promise((r) => setImmediate(r));
    const shown = text();
    expect(shown).toContain('epoch 3/10 |');
    expect(shown).toMatch(/\| 50% \| 500\/1000 \| 1,000 samples\/s \| loss 0\.2500 \| ETA/);
  });

  it('holds a notice back while the bar is drawn and writes it once the bar is gone', async () => {
    const { stream, text } = terminal();
    const progress = createProgress({ stream });
    const epoch = progress.startEpoch(1, 1, 10);
    progress.notice('Ctrl-C: stopping');
    await new Promise((r) => setImmediate(r));
    expect(text()).not.toContain('Ctrl-C');
    epoch.stop();
    await new Promise((r) => setImmediate(r));
    expect(text()).toMatch(/Ctrl-C: stopping\n$/);
  });

  it('writes a notice at once when no bar is drawn', async () => {
    const { stream, text } = capture();
    createProgress({ stream, tty: false }).notice('hello');
    await new Promise((r) => setImmediate(r));
    expect(text()).toBe('hello\n');
  });
});
