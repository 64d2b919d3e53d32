import { describe, expect, it } from 'vitest';
import { tensor } from '../creation.js';
import { matmul } from './matmul.js';

describe('matmul', () => {
  it('multiplies 2x3 by 3x2 as worked out by hand', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([[7, 8], [9, 10], [11, 12]]);
    expect(matmul(a, b).toArray()).toEqual([[58, 64], [139, 154]]);
  });
  it('names both shapes when inner dimensions differ', () => {
    const a = tensor([[1, 2, 3]]);
    expect(() => matmul(a, a)).toThrow('matmul: inner dimensions differ: [1,3] x [1,3]');
  });
});
