import type { Parameter } from '@nabla/tensor';
import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, clipGradValue } from './clip-grad.js';

function params(grads: number[][], dtype: 'float32' | 'float64' = 'float64'): Parameter[] {
  return grads.map((g, i) => {
    const data = dtype === 'float32' ? new Float32Array(g.length) : new Float64Array(g.length);
    const p = createParameter(`p${i}`, new Tensor(dtype, data, [g.length]));
    p.grad.data.set(g);
    return p;
  });
}

const grads = (ps: Parameter[]): number[][] => ps.map((p) => Array.from(p.grad.data));

describe('clipGradNorm', () => {
  it('scales all gradients together down to maxNorm and returns the norm before clipping', () => {
    const ps = params([
      [3, 0],
      [0, 4, 0],
    ]);
    const total = clipGradNorm(ps, 1);
    expect(total).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(grads(ps)).toEqual([
      [3 * coef, 0],
      [0, 4 * coef, 0],
    ]);
    const after = Math.hypot(...grads(ps).flat());
    expect(after).toBeCloseTo(1, 6);
    expect(after).toBeLessThan(1);
  });

  it('leaves gradients already within maxNorm untouched', () => {
    const ps = params([[0.3, -0.4]], 'float32');
    const before = grads(ps);
    expect(clipGradNorm(ps, 1)).toBeCloseTo(0.5, 6);
    expect(grads(ps)).toEqual(before);
  });

  it('supports the 1-norm, other p-norms and the max-norm', () => {
    const g = [[1, -2], [2]];
    expect(clipGradNorm(params(g), 100, { normType: 1 })).toBe(5);
    expect(clipGradNorm(params(g), 100, { normType: 3 })).toBeCloseTo(17 ** (1 / 3), 12);
    const ps = params(g);
    expect(clipGradNorm(ps, 1, { normType: Number.POSITIVE_INFINITY })).toBe(2);
    expect(grads(ps)[1]![0]).toBeCloseTo(1, 6);
  });

  it('throws on a non-finite norm, naming the parameter, unless told to clip anyway', () => {
    const ps = params([[1, 2], [Number.NaN]]);
    expect(() => clipGradNorm(ps, 1)).toThrow(
      /clipGradNorm: the total gradient norm is NaN \(parameter "p1" has a non-finite gradient\)/,
    );
    expect(grads(ps)[0]).toEqual([1, 2]);
    expect(() =>
      clipGradNorm(params([[Number.POSITIVE_INFINITY]]), 1, { normType: Number.POSITIVE_INFINITY }),
    ).toThrow(/Infinity/);
    expect(Number.isNaN(clipGradNorm(ps, 1, { errorIfNonfinite: false }))).toBe(true);
  });

  it('rejects a negative or NaN maxNorm and a bad normType', () => {
    expect(() => clipGradNorm(params([[1]]), -1)).toThrow(/maxNorm must be a number >= 0, got -1/);
    expect(() => clipGradNorm(params([[1]]), Number.NaN)).toThrow(/maxNorm.*NaN/);
    expect(() => clipGradNorm(params([[1]]), 1, { normType: 0 })).toThrow(/normType/);
  });
});

describe('clipGradValue', () => {
  it('clamps every element into [-v, v] and leaves the rest bit for bit', () => {
    const ps = params([
      [-3, 0.25, 2],
      [0.5, -0.5],
    ]);
    clipGradValue(ps, 0.5);
    expect(grads(ps)).toEqual([
      [-0.5, 0.25, 0.5],
      [0.5, -0.5],
    ]);
  });

  it('keeps NaN visible and rejects a negative or NaN bound', () => {
    const ps = params([[Number.NaN, 9]]);
    clipGradValue(ps, 1);
    expect(grads(ps)[0]![0]).toBeNaN();
    expect(grads(ps)[0]![1]).toBe(1);
    expect(() => clipGradValue(ps, -1)).toThrow(/clipValue must be a number >= 0, got -1/);
    expect(() => clipGradValue(ps, Number.NaN)).toThrow(/NaN/);
  });
});
