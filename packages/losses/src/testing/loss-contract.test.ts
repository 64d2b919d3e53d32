import type { FloatDType, Tensor } from '@nabla/tensor';
import { normal } from '@nabla/tensor';
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
