import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { accuracy } from './accuracy.js';

const labels = (...v: number[]) => tensor(v, 'int32');

describe('accuracy', () => {
  const scores = tensor([
    [0.1, 0.9],
    [2, -1],
    [0.5, 0.5],
    [-3, -2],
  ]);

  it('counts rows whose arg-max is the label (ties to the lowest index)', () => {
    expect(accuracy(scores, labels(1, 0, 0, 0))).toBe(0.75);
    expect(accuracy(scores, labels(0, 1, 1, 0))).toBe(0);
  });

  it('accepts one-hot targets and checks label ranges', () => {
    expect(
      accuracy(
        scores,
        tensor([
          [0, 1],
          [1, 0],
          [1, 0],
          [0, 1],
        ]),
      ),
    ).toBe(1);
    expect(() => accuracy(scores, labels(0, 1, 2, 0))).toThrow(
      'accuracy: label 2 at index 2 is out of range for 2 classes',
    );
  });
});
