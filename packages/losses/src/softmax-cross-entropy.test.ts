import {
  allClose,
  concat,
  createRng,
  div,
  exp,
  normal,
  ShapeError,
  sub,
  sum,
  type Tensor,
  tensor,
  zeros,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { nll } from './nll.js';
import { logSoftmax } from './softmax.js';
import { SoftmaxCrossEntropy, softmaxCrossEntropy } from './softmax-cross-entropy.js';
import { lossContract, randomLabels, randomProbabilities } from './testing/index.js';

const labels = (...v: number[]) => tensor(v, 'int32');

describe('SoftmaxCrossEntropy: contract', () => {
  const shapes = [
    [1, 3],
    [4, 5],
    [8, 10],
  ];
  for (const check of lossContract({
    create: () => new SoftmaxCrossEntropy(),
    inputShapes: shapes,
    target: randomLabels,
    // Hand-computed: P = [1/4, 1/2, 1/4] and [3/5, 1/5, 1/5]; loss (ln 2 + ln 5)/2, ∇X = (P − Ŷ)/2.
    values: [
      {
        input: tensor(
          [
            [0, Math.log(2), 0],
            [Math.log(3), 0, 0],
          ],
          'float64',
        ),
        target: labels(1, 2),
        loss: (Math.log(2) + Math.log(5)) / 2,
        grad: tensor(
          [
            [0.125, -0.25, 0.125],
            [0.3, 0.1, -0.4],
          ],
          'float64',
        ),
      },
    ],
  })) {
    it(`labels: ${check.name}`, check.run);
  }
  for (const check of lossContract({
    create: () => new SoftmaxCrossEntropy(),
    inputShapes: shapes,
    target: randomProbabilities,
    // Uniform logits over 2 classes, target [1/4, 3/4]: loss ln 2, ∇X = [1/2 − 1/4, 1/2 − 3/4].
    values: [
      {
        input: tensor([[0, 0]], 'float64'),
        target: tensor([[0.25, 0.75]], 'float64'),
        loss: Math.log(2),
        grad: tensor([[0.25, -0.25]], 'float64'),
      },
    ],
  })) {
    it(`probability rows: ${check.name}`, check.run);
  }
  for (const check of lossContract({
    create: () => new SoftmaxCrossEntropy({ labelSmoothing: 0.1 }),
    inputShapes: shapes,
    target: randomLabels,
    // Uniform logits over 2 classes: log P = −ln 2 whatever the smoothed target, so loss ln 2;
    // target (1 − 0.1)·[0, 1] + 0.1/2 = [0.05, 0.95], ∇X = [0.45, −0.45].
    values: [
      {
        input: tensor([[0, 0]], 'float64'),
        target: labels(1),
        loss: Math.log(2),
        grad: tensor([[0.45, -0.45]], 'float64'),
      },
    ],
  })) {
    it(`label smoothing 0.1: ${check.name}`, check.run);
  }
});

describe('softmaxCrossEntropy: the paper formula on a hand-computed example', () => {
  // Row 0: logits [0, ln 2, 0] → P = [1/4, 1/2, 1/4], label 1 → loss ln 2.
  // Row 1: logits [ln 3, 0, 0] → P = [3/5, 1/5, 1/5], label 2 → loss ln 5.
  // Mean loss (ln 2 + ln 5)/2 = ln(10)/2; ∇X = (P − Ŷ)/m with m = 2.
  const x = tensor(
    [
      [0, Math.log(2), 0],
      [Math.log(3), 0, 0],
    ],
    'float64',
  );
  const expectedGrad = [
    [1 / 8, -1 / 4, 1 / 8],
    [3 / 10, 1 / 10, -4 / 10],
  ];

  const expectMatrix = (actual: Tensor, expected: number[][]) => {
    const rows = actual.toArray() as number[][];
    expected.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(rows[i]?.[j]).toBeCloseTo(v, 15);
      });
    });
  };

  it('with int32 labels: mean loss ln(10)/2 and gradient (P − Ŷ)/m', () => {
    const { loss, grad } = softmaxCrossEntropy(x, labels(1, 2));
    expect(loss).toBeCloseTo(Math.log(10) / 2, 15);
    expectMatrix(grad, expectedGrad);
  });

  it('with one-hot rows: the same loss and gradient', () => {
    const { loss, grad } = softmaxCrossEntropy(
      x,
      tensor(
        [
          [0, 1, 0],
          [0, 0, 1],
        ],
        'float32',
      ),
    );
    expect(loss).toBeCloseTo(Math.log(10) / 2, 15);
    expectMatrix(grad, expectedGrad);
  });

  it('with label smoothing ε = 0.3: target (1 − ε)Ŷ + ε/C', () => {
    // Row 0 only: q = [0.1, 0.8, 0.1]; loss = −(0.1 ln ¼ + 0.8 ln ½ + 0.1 ln ¼) = 1.2 ln 2;
    // gradient P − q = [0.15, −0.3, 0.15].
    const { loss, grad } = softmaxCrossEntropy(x.rows(0, 1), labels(1), { labelSmoothing: 0.3 });
    expect(loss).toBeCloseTo(1.2 * Math.log(2), 15);
    expectMatrix(grad, [[0.15, -0.3, 0.15]]);
  });

  it('equals (P − Ŷ)/m with P and Ŷ built independently from tensor ops, on random logits', () => {
    const rng = createRng(11);
    const m = 7;
    const c = 5;
    const logits = normal(rng, [m, c], 0, 2, { dtype: 'float64' });
    const y = randomLabels(rng, [m, c]);
    const e = exp(logits);
    const p = div(e, sum(e, { axis: 1, keepdims: true }));
    const onehot = zeros([m, c], 'float64');
    for (let i = 0; i < m; i++) onehot.data[i * c + (y.data[i] as number)] = 1;
    const expected = div(sub(p, onehot), m);
    const { loss, grad } = softmaxCrossEntropy(logits, y);
    expect(allClose(grad, expected, { rtol: 1e-12, atol: 1e-15 })).toBe(true);
    // and the loss is −mean log P[i, yᵢ]
    let want = 0;
    for (let i = 0; i < m; i++)
      want -= Math.log(p.data[i * c + (y.data[i] as number)] as number) / m;
    expect(loss).toBeCloseTo(want, 13);
  });

  it('agrees with nll(logSoftmax(x)) and is a mean over the batch', () => {
    const rng = createRng(5);
    const logits = normal(rng, [6, 4], 0, 3, { dtype: 'float64' });
    const y = labels(0, 3, 1, 1, 2, 0);
    const fused = softmaxCrossEntropy(logits, y);
    const split = nll(logSoftmax(logits), y);
    expect(fused.loss).toBeCloseTo(split.loss, 14);
    const doubled = softmaxCrossEntropy(
      concat([logits, logits]),
      labels(0, 3, 1, 1, 2, 0, 0, 3, 1, 1, 2, 0),
    );
    expect(doubled.loss).toBeCloseTo(fused.loss, 14);
    expect(doubled.grad.data[0]).toBeCloseTo((fused.grad.data[0] as number) / 2, 15);
  });
});

describe('softmaxCrossEntropy: stability', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`gives a finite loss and gradient for logits of ±1e4 (${dtype})`, () => {
      const x = tensor(
        [
          [1e4, -1e4, 0],
          [-1e4, 1e4, 1e4],
        ],
        dtype,
      );
      const { loss, grad } = softmaxCrossEntropy(x, labels(0, 0));
      // Row 0 is certain and right (loss 0); row 1 puts 1/2 on class 1 and 1/2 on class 2 and
      // e^−2e4 on the label: loss 2e4 + ln 2.
      expect(loss).toBeCloseTo((0 + 2e4 + Math.log(2)) / 2, 6);
      expect(Array.from(grad.data).every(Number.isFinite)).toBe(true);
      expect(grad.toArray()).toEqual([
        [0, 0, 0],
        [-0.5, 0.25, 0.25],
      ]);
    });
  }
});

describe('softmaxCrossEntropy: bad input', () => {
  const x = zeros([4, 10]);

  it('labels out of range', () => {
    expect(() => softmaxCrossEntropy(x, labels(0, 1, 10, 2))).toThrow(
      new RangeError(
        'softmaxCrossEntropy: label 10 at index 2 is out of range for 10 classes (expected 0 to 9)',
      ),
    );
    expect(() => softmaxCrossEntropy(x, labels(-1, 1, 1, 2))).toThrow(
      /label -1 at index 0 is out of range/,
    );
  });

  it('a label count that is not the batch size', () => {
    expect(() => softmaxCrossEntropy(x, labels(0, 1, 2))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(x, labels(0, 1, 2))).toThrow(
      'softmaxCrossEntropy: got 3 labels for a batch of 4 (input [4,10]); expected int32 labels of shape [4]',
    );
  });

  it('NaN or infinite logits, naming the position', () => {
    const bad = zeros([4, 10]);
    bad.data[25] = Number.NaN;
    expect(() => softmaxCrossEntropy(bad, labels(0, 1, 2, 3))).toThrow(
      new RangeError('softmaxCrossEntropy: logits must be finite, found NaN at [2,5] of [4,10]'),
    );
    bad.data[25] = Number.POSITIVE_INFINITY;
    expect(() => new SoftmaxCrossEntropy().compute(bad, labels(0, 1, 2, 3))).toThrow(
      'found Infinity at [2,5]',
    );
  });

  it('logits that are not a float [m, C] matrix', () => {
    expect(() => softmaxCrossEntropy(zeros([10]), labels(1))).toThrow(
      'softmaxCrossEntropy: logits must have shape [batch, classes] with both > 0, got [10]',
    );
    expect(() => softmaxCrossEntropy(zeros([2, 3], 'int32') as never, labels(1, 1))).toThrow(
      'softmaxCrossEntropy: logits must be a float32 or float64 tensor, got int32 [2,3]',
    );
  });

  it('float targets of the wrong shape or not summing to 1', () => {
    expect(() => softmaxCrossEntropy(x, zeros([4, 9]))).toThrow(
      /one-hot or probability rows of shape \[4,10\].*got \[4,9\]/,
    );
    expect(() =>
      softmaxCrossEntropy(
        zeros([2, 2]),
        tensor([
          [1, 0],
          [0.5, 0.2],
        ]),
      ),
    ).toThrow('softmaxCrossEntropy: target row 1 sums to 0.7');
  });

  it('label smoothing outside [0, 1) and an out buffer of the wrong shape', () => {
    expect(() => new SoftmaxCrossEntropy({ labelSmoothing: 1 })).toThrow(
      'labelSmoothing must be in [0, 1), got 1',
    );
    expect(() => softmaxCrossEntropy(x, labels(0, 1, 2, 3), { out: zeros([4, 9]) })).toThrow(
      'softmaxCrossEntropy: out is float32 [4,9], expected float32 [4,10] like the input',
    );
    expect(() => softmaxCrossEntropy(x, labels(0, 1, 2, 3), { out: x })).toThrow(
      'out must not share memory with the input',
    );
  });
});

describe('SoftmaxCrossEntropy: buffers', () => {
  it('reuses its gradient buffer while the batch shape is unchanged', () => {
    const ce = new SoftmaxCrossEntropy();
    const x = normal(createRng(1), [8, 10]);
    const y = randomLabels(createRng(2), [8, 10]);
    const first = ce.compute(x, y).grad;
    expect(ce.compute(x, y).grad).toBe(first);
    expect(ce.compute(x.rows(0, 4), y.rows(0, 4)).grad.shape).toEqual([4, 10]);
  });

  it('writes into a caller-provided out tensor', () => {
    const out = zeros([2, 3], 'float64');
    const r = softmaxCrossEntropy(
      tensor(
        [
          [0, 0, 0],
          [1, 2, 3],
        ],
        'float64',
      ),
      labels(0, 2),
      { out },
    );
    expect(r.grad).toBe(out);
    expect(out.data[0]).toBeCloseTo((1 / 3 - 1) / 2, 15);
  });
});
