import type { FloatDType, Tensor } from '@nabla/tensor';
import { normal, tensor, zerosLike } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import type { LossOutput } from '../loss.js';
import { MeanSquaredError, mse } from '../mse.js';
import { ContractError, runChecks } from './index.js';
import { lossContract } from './loss-contract.js';

// The suite must catch broken losses, not only pass good ones.

type Target = Tensor<FloatDType>;
const suite = (
  create: () => {
    name: string;
    compute<D extends FloatDType>(x: Tensor<D>, t: Target): LossOutput<D>;
  },
) =>
  lossContract({
    create,
    inputShapes: [
      [2, 3],
      [4, 2],
    ],
    target: (rng, shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
  });

const variant =
  (name: string, compute: <D extends FloatDType>(x: Tensor<D>, t: Target) => LossOutput<D>) =>
  () => ({ name, compute });

describe('lossContract catches broken losses', () => {
  it('passes a correct loss', () => {
    expect(() => runChecks(suite(() => new MeanSquaredError()))).not.toThrow();
  });

  const cases: [string, ReturnType<typeof variant>, string, RegExp][] = [
    [
      'a gradient that is not the mean (missing 1/N)',
      variant('sumGrad', (x, t) => {
        const r = mse(x, t);
        for (let i = 0; i < r.grad.size; i++) r.grad.data[i] = (r.grad.data[i] as number) * x.size;
        return r;
      }),
      'gradient matches',
      /worst relative error/,
    ],
    [
      'a loss that writes into its input',
      variant('mutating', (x, t) => {
        const r = mse(x, t);
        x.data[0] = 0;
        return r;
      }),
      'unchanged',
      /changed the input/,
    ],
    [
      'a gradient of the wrong shape',
      variant('flat', (x, t) => {
        const r = mse(x, t);
        return { loss: r.loss, grad: r.grad.reshape([-1]) };
      }),
      'finite loss',
      /gradient has shape \[6\], expected the input's \[2,3\]/,
    ],
    [
      'a non-finite loss',
      variant('nan', (x, t) => ({ loss: Number.NaN, grad: mse(x, t).grad })),
      'finite loss',
      /loss is NaN/,
    ],
    [
      'a gradient that aliases the input',
      variant('alias', (x) => ({ loss: 0, grad: x })),
      'finite loss',
      /shares memory with the input/,
    ],
    [
      'a loss that always answers in float64',
      variant('f64', (x, t) => mse(x.astype('float64'), t) as never),
      'float32',
      /gradient is float64 for a float32 input/,
    ],
  ];
  for (const [what, create, check, message] of cases) {
    it(`fails ${what}`, () => {
      const c = suite(create).find((k) => k.name.includes(check));
      if (!c) throw new Error(`no check like "${check}"`);
      expect(c.run).toThrow(ContractError);
      expect(c.run).toThrow(message);
    });
  }
});

/**
 * Huber with δ = 1, correct when `reduce` is 'mean'. With 'sum' the loss and its gradient are
 * both summed instead of averaged: self-consistent, so only the known values catch it.
 */
function huber(reduce: 'mean' | 'sum', checks = true) {
  return {
    name: 'huber',
    compute<D extends FloatDType>(x: Tensor<D>, t: Target): LossOutput<D> {
      if (checks) {
        if (x.dtype !== 'float32' && x.dtype !== 'float64')
          throw new TypeError(`huber: ${x.dtype}`);
        if (!x.data.every(Number.isFinite)) throw new RangeError('huber: non-finite input');
        if (x.shape.join() !== t.shape.join()) throw new RangeError('huber: shape mismatch');
      }
      const grad = zerosLike(x);
      const scale = reduce === 'mean' ? 1 / x.size : 1;
      let total = 0;
      for (let i = 0; i < x.size; i++) {
        const d = (x.data[i] as number) - (t.data[i] as number);
        const a = Math.abs(d);
        total += a <= 1 ? 0.5 * d * d : a - 0.5;
        grad.data[i] = (a <= 1 ? d : Math.sign(d)) * scale;
      }
      return { loss: total * scale, grad };
    },
  };
}

describe('lossContract: known values and bad input', () => {
  const withValues = (create: () => ReturnType<typeof huber>) =>
    lossContract({
      create,
      inputShapes: [
        [2, 3],
        [4, 2],
      ],
      target: (rng, shape) => normal(rng, shape, 0, 1, { dtype: 'float64' }),
      // d = [0.5, −3]: ½·0.25 = 0.125 and 3 − ½ = 2.5, mean 1.3125; gradient [0.5, −1]/2.
      values: [
        {
          input: tensor([[1, -1]], 'float64'),
          target: tensor([[0.5, 2]], 'float64'),
          loss: 1.3125,
          grad: tensor([[0.25, -0.5]], 'float64'),
        },
      ],
    });

  it('passes the correct Huber loss', () => {
    expect(() => runChecks(withValues(() => huber('mean')))).not.toThrow();
  });

  it('fails a Huber loss summed instead of averaged (loss and gradient both)', () => {
    const checks = withValues(() => huber('sum'));
    // Every other check passes: the gradient is the right one for the wrong loss.
    for (const c of checks.filter((k) => !k.name.includes('known value'))) {
      expect(c.run, c.name).not.toThrow();
    }
    const oracle = checks.find((k) => k.name.includes('known value'));
    expect(oracle?.run).toThrow(/known value 0: loss 2.625, expected 1.3125/);
  });

  it('fails a loss with no NaN, dtype or shape checks', () => {
    const c = withValues(() => huber('mean', false)).find((k) => k.name.includes('rejects'));
    expect(c?.run).toThrow(/an input holding NaN was accepted/);
  });

  it('fails a loss whose error does not name it', () => {
    const anonymous = {
      name: 'huber',
      compute<D extends FloatDType>(x: Tensor<D>, t: Target): LossOutput<D> {
        if (!x.data.every(Number.isFinite)) throw new RangeError('bad input');
        return huber('mean').compute(x, t);
      },
    };
    const c = withValues(() => anonymous).find((k) => k.name.includes('rejects'));
    expect(c?.run).toThrow(/does not name the loss "huber": bad input/);
  });

  it('refuses an empty list of known values', () => {
    expect(() =>
      lossContract({
        create: () => huber('mean'),
        inputShapes: [[2, 2]],
        target: (rng, shape) => normal(rng, shape),
        values: [],
      }),
    ).toThrow(/`values` is empty/);
  });
});
