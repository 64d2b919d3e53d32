import { describe, expect, it } from 'vitest';
import { mean } from './ops/reduce.js';
import {
  createRng,
  glorotUniform,
  heNormal,
  normal,
  permutation,
  randomInt,
  uniform,
} from './random.js';

describe('seeded random', () => {
  it('the same seed gives the same sequence; different seeds differ', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(sa);
  });

  it('state round-trips', () => {
    const a = createRng(7);
    a.next();
    const s = a.getState();
    const x = a.next();
    const b = createRng(0);
    b.setState(s);
    expect(b.next()).toBe(x);
    expect(() => b.setState([1, 2])).toThrow('expected 4 unsigned 32-bit integers');
  });

  it('uniform, normal and the inits have the documented ranges and moments', () => {
    const rng = createRng(1);
    const u = uniform(rng, [10000], -2, 3);
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(3);
    const n = normal(rng, [20000], 1, 2, { dtype: 'float64' });
    expect(mean(n).item()).toBeCloseTo(1, 1);
    const sd = Math.sqrt(n.data.reduce((s, v) => s + (v - 1) ** 2, 0) / n.size);
    expect(sd).toBeCloseTo(2, 1);
    const g = glorotUniform(rng, [100, 50]);
    const lim = Math.sqrt(6 / 150);
    expect(Math.max(...g.data.map(Math.abs))).toBeLessThanOrEqual(lim);
    const h = heNormal(rng, [200, 100], { dtype: 'float64' });
    const hsd = Math.sqrt(h.data.reduce((s, v) => s + v * v, 0) / h.size);
    expect(hsd).toBeCloseTo(Math.sqrt(2 / 200), 2);
    expect(() => heNormal(rng, [3])).toThrow('expected a 2-D weight shape');
  });

  it('permutation contains every index once and randomInt stays in range', () => {
    const rng = createRng(3);
    const p = permutation(rng, 100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (let i = 0; i < 1000; i++) {
      const v = randomInt(rng, 7);
      expect(v >= 0 && v < 7).toBe(true);
    }
  });
});
