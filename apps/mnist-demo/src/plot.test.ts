import { describe, expect, it } from 'vitest';
import type { EpochRecord } from './metrics.js';
import { renderPlot } from './plot.js';

const record = (epoch: number, loss: number, train: number, test: number): EpochRecord => ({
  epoch,
  trainLoss: loss,
  trainAccuracy: train,
  testAccuracy: test,
  lr: 0.001,
  samples: 100,
  trainSeconds: 1,
  seconds: 1.2,
});

/** Every opened tag is closed, in order (a cheap well-formedness check). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self === '/') continue;
    if (close === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name as string);
  }
  return stack.length === 0;
}

describe('renderPlot', () => {
  it('draws the loss and both accuracies, one point per epoch, as well-formed SVG', () => {
    const svg = renderPlot(
      [record(1, 0.5, 0.9, 0.95), record(2, 0.2, 0.96, 0.97), record(3, 0.1, 0.98, 0.98)],
      'adam <fast> & cosine',
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg.match(/<circle /g)).toHaveLength(9);
    expect(svg).toContain('adam &#60;fast&#62; &#38; cosine');
    expect(svg).toContain('test accuracy, epoch 3: 98%');
    expect(svg).toContain('train loss, epoch 2: 0.2');
  });

  it('puts a lower loss lower on the page', () => {
    const svg = renderPlot([record(1, 2, 0.5, 0.5), record(2, 1, 0.6, 0.6)], '');
    const cy = (label: string): number => {
      const m = svg.match(new RegExp(`cy="([\\d.]+)"[^>]*><title>${label}`));
      return Number(m?.[1]);
    };
    expect(cy('train loss, epoch 2')).toBeGreaterThan(cy('train loss, epoch 1'));
    expect(cy('test accuracy, epoch 2')).toBeLessThan(cy('test accuracy, epoch 1'));
  });

  it('leaves out the missing test accuracy of an interrupted epoch and copes with no epoch', () => {
    const svg = renderPlot(
      [record(1, 0.5, 0.9, 0.95), { ...record(2, 0.4, 0.92, Number.NaN), interrupted: true }],
      '',
    );
    expect(svg.match(/<circle /g)).toHaveLength(5);
    expect(svg).not.toContain('NaN');
    const empty = renderPlot([], 'nothing yet');
    expect(balanced(empty)).toBe(true);
    expect(empty).toContain('no completed epoch');
    expect(empty).not.toContain('NaN');
  });
});
