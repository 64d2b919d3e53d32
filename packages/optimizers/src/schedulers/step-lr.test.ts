import { createParameter, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { SGD } from '../sgd.js';
import { StepLR } from './step-lr.js';
import { bareOptimizer, lrSequence, maxRelativeError, pytorchStepLR } from './test-support.js';

describe('StepLR', () => {
  it.each([
    [0.1, 10, 0.1],
    [0.05, 3, 0.5],
    [1, 1, 0.9],
  ])(
    'matches PyTorch over 100 epochs (base %f, stepSize %i, gamma %f)',
    (base, stepSize, gamma) => {
      const optimizer = bareOptimizer(base);
      const scheduler = new StepLR(optimizer, { stepSize, gamma });
      const actual = lrSequence(scheduler, 100);
      expect(maxRelativeError(actual, pytorchStepLR(base, stepSize, gamma, 100))).toBeLessThan(
        1e-12,
      );
      expect(optimizer.lr).toBe(actual[100]);
    },
  );

  it('drives a real optimizer, which then steps with the scheduled rate', () => {
    const p = createParameter('w', new Tensor('float64', Float64Array.of(0), [1]));
    const sgd = new SGD([p], { lr: 1 });
    const scheduler = new StepLR(sgd, { stepSize: 2, gamma: 0.5 });
    p.grad.data[0] = 1;
    const values: number[] = [];
    for (let e = 0; e < 4; e++) {
      sgd.step();
      values.push(p.value.data[0] as number);
      scheduler.step();
    }
    expect(values).toEqual([-1, -2, -2.5, -3]);
  });

  it('takes baseLr over the optimizer rate when given', () => {
    const optimizer = bareOptimizer(0.1);
    const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.5, baseLr: 8 });
    expect(lrSequence(scheduler, 3)).toEqual([8, 4, 2, 1]);
  });

  it('rejects bad settings with errors naming them', () => {
    const o = bareOptimizer(0.1);
    expect(() => new StepLR(o, { stepSize: 0 })).toThrow(
      /StepLR: stepSize must be an integer >= 1, got 0/,
    );
    expect(() => new StepLR(o, { stepSize: 2.5 })).toThrow(/stepSize/);
    expect(() => new StepLR(o, { stepSize: 2, gamma: Number.NaN })).toThrow(/gamma.*got NaN/);
    expect(() => new StepLR(o, { stepSize: 2, gamma: -1 })).toThrow(/gamma/);
    expect(() => new StepLR(o, { stepSize: 2, baseLr: -1 })).toThrow(/learning rate/);
    expect(() => new StepLR(o, { stepSize: 2, gama: 0.5 } as never)).toThrow(
      /unknown option "gama"/,
    );
    expect(() => new StepLR(bareOptimizer(Number.NaN), { stepSize: 2 })).toThrow(/got NaN/);
  });
});
