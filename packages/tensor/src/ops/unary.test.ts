import { describe, expect, it } from 'vitest';
import { tensor } from '../creation.js';
import { abs, exp, log, neg, sqrt } from './unary.js';
import { where } from './where.js';

describe('unary ops and where', () => {
  it('computes element-wise functions', () => {
    const a = tensor([1, 4, 9], 'float64');
    expect(sqrt(a).toArray()).toEqual([1, 2, 3]);
    expect(neg(a).toArray()).toEqual([-1, -4, -9]);
    expect(abs(tensor([-2, 3])).toArray()).toEqual([2, 3]);
    expect(log(exp(a)).toArray()).toEqual([1, 4, 9]);
  });

  it('refuses int32 for float-only functions with a hint', () => {
    expect(() => exp(tensor([1], 'int32') as never)).toThrow(
      'exp: needs a float tensor, got int32',
    );
  });

  it('selects with broadcasting', () => {
    const cond = tensor([[1], [0]]);
    const a = tensor([[1, 2, 3]]);
    const b = tensor([-1, -2, -3]);
    expect(where(cond, a, b).toArray()).toEqual([
      [1, 2, 3],
      [-1, -2, -3],
    ]);
  });

  it('names an operand that is not a tensor (a number from plain JS)', () => {
    const a = tensor([1, 2]);
    expect(() => where(a, a, 0 as never)).toThrow('where: b must be a Tensor, got number');
  });
});
