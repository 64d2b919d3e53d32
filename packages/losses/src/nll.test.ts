import { createRng, normal, tensor, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { NegativeLogLikelihood, nll } from './nll.js';
import { logSoftmax } from './softmax.js';
import { lossContract, randomLabels, randomProbabilities } from './testing/index.js';

const labels = (...v: number[]) => tensor(v, 'int32');
const logProbInput = (rng: ReturnType<typeof createRng>, shape: readonly number[]) =>
  logSoftmax(normal(rng, shape, 0, 2, { dtype: 'float64' }));

describe('NegativeLogLikelihood: contract', () => {
  for (const check of lossContract({
    create: () => new NegativeLogLikelihood(),
    inputShapes: [
      [1, 3],
      [5, 4],
    ],
    target: randomLabels,
    input: logProbInput,
    // −(1/m) Σ Ŷ ∘ L: rows pick ln(1/2) and ln(1/4); loss (ln 2 + ln 4)/2, ∇ = −Ŷ/2.
    values: [
      {
        input: tensor(
          [
            [Math.log(0.25), Math.log(0.5), Math.log(0.25)],
            [Math.log(0.25), Math.log(0.5), Math.log(0.25)],
          ],
          'float64',
        ),
        target: labels(1, 0),
        loss: (Math.log(2) + Math.log(4)) / 2,
        grad: tensor(
          [
            [0, -0.5, 0],
            [-0.5, 0, 0],
          ],
          'float64',
        ),
      },
    ],
  })) {
    it(`labels: ${check.name}`, check.run);
  }
  for (const check of lossContract({
    create: () => new NegativeLogLikelihood(),
    inputShapes: [
      [1, 3],
      [5, 4],
    ],
    target: randomProbabilities,
    input: logProbInput,
    values: [
      {
        input: tensor([[Math.log(0.25), Math.log(0.75)]], 'float64'),
        target: tensor([[0.5, 0.5]], 'float64'),
        loss: -(Math.log(0.25) + Math.log(0.75)) / 2,
        grad: tensor([[-0.5, -0.5]], 'float64'),
      },
    ],
  })) {
    it(`probability rows: ${check.name}`, check.run);
  }
});

describe('nll', () => {
  it('is −mean of the log-probability at the label, with gradient −Ŷ/m', () => {
    const logp = tensor(
      [
        [Math.log(0.25), Math.log(0.5), Math.log(0.25)],
        [Math.log(0.6), Math.log(0.2), Math.log(0.2)],
      ],
      'float64',
    );
    const { loss, grad } = nll(logp, labels(1, 2));
    expect(loss).toBeCloseTo((Math.log(2) + Math.log(5)) / 2, 15);
    expect(grad.toArray()).toEqual([
      [0, -0.5, 0],
      [0, 0, -0.5],
    ]);
  });

  it('allows log 0 = −∞ where the target has no mass', () => {
    const logp = tensor([[Number.NEGATIVE_INFINITY, 0]], 'float64');
    expect(nll(logp, labels(1)).loss).toBe(0);
    expect(nll(logp, tensor([[0, 1]], 'float64')).loss).toBe(0);
    expect(nll(logp, labels(0)).loss).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects NaN, labels out of range and a wrong label count', () => {
    const bad = zeros([2, 3]);
    bad.data[4] = Number.NaN;
    expect(() => nll(bad, labels(0, 1))).toThrow(
      'nll: log-probabilities must be finite, found NaN at [1,1] of [2,3]',
    );
    expect(() => nll(zeros([2, 3]), labels(0, 3))).toThrow(
      'nll: label 3 at index 1 is out of range for 3 classes',
    );
    expect(() => nll(zeros([2, 3]), labels(0))).toThrow('nll: got 1 labels for a batch of 2');
  });

  it('reuses its gradient buffer', () => {
    const loss = new NegativeLogLikelihood();
    const x = logSoftmax(normal(createRng(1), [3, 4]));
    expect(loss.compute(x, labels(0, 1, 2)).grad).toBe(loss.compute(x, labels(3, 2, 1)).grad);
  });
});
