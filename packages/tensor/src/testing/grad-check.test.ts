import { describe, expect, it } from 'vitest';
import { tensor } from '../creation.js';
import { matmul } from '../ops/matmul.js';
import { createRng, normal } from '../random.js';
import { gradCheck } from './grad-check.js';

describe('gradCheck', () => {
  const rng = createRng(5);
  const x = normal(rng, [3, 4], 0, 1, { dtype: 'float64' });
  const w = normal(rng, [4, 2], 0, 1, { dtype: 'float64' });
  const r = normal(rng, [3, 2], 0, 1, { dtype: 'float64' });
  // L = Σ (X W) ∘ R, so ∂L/∂W = Xᵀ R
  const loss = () => {
    const y = matmul(x, w);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! * r.data[i]!;
    return s;
  };

  it('accepts the correct gradient', () => {
    const res = gradCheck(loss, w, matmul(x, r, { transA: true }));
    expect(res.maxRelError).toBeLessThan(1e-6);
    expect(res.checked).toBe(8);
  });

  it('catches a deliberately wrong gradient and says where', () => {
    const wrong = matmul(x, r, { transA: true });
    wrong.data[5] = wrong.data[5]! * 1.01;
    const res = gradCheck(loss, w, wrong);
    expect(res.maxRelError).toBeGreaterThan(1e-3);
    expect(res.worstIndex).toEqual([2, 1]);
  });

  it('catches a transposed-product mistake (X R instead of Xᵀ R)', () => {
    const sq = normal(rng, [3, 3], 0, 1, { dtype: 'float64' });
    const rr = normal(rng, [3, 3], 0, 1, { dtype: 'float64' });
    const ww = normal(rng, [3, 3], 0, 1, { dtype: 'float64' });
    const l = () => {
      const y = matmul(sq, ww);
      let s = 0;
      for (let i = 0; i < y.size; i++) s += y.data[i]! * rr.data[i]!;
      return s;
    };
    expect(gradCheck(l, ww, matmul(sq, rr)).maxRelError).toBeGreaterThan(1e-2);
  });

  it('restores the target and rejects mismatched shapes or float32', () => {
    const before = w.clone();
    gradCheck(loss, w, matmul(x, r, { transA: true }));
    expect(Array.from(w.data)).toEqual(Array.from(before.data));
    expect(() => gradCheck(loss, w, tensor([1], 'float64'))).toThrow(
      'analytic gradient has shape [1] but the target has [4,2]',
    );
    expect(() => gradCheck(loss, tensor([1]) as never, tensor([1]) as never)).toThrow(
      'must be float64',
    );
  });
});
