import { createRng, Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { trainValidationSplit } from './split.js';
import { TensorDataset } from './tensor-dataset.js';

const source = new TensorDataset(
  new Tensor(
    'int32',
    Int32Array.from({ length: 100 }, (_, i) => i),
    [100],
  ),
);

describe('trainValidationSplit', () => {
  it('splits into disjoint subsets that cover every item once, each in source order', () => {
    const { train, validation } = trainValidationSplit(source, { validation: 0.2, seed: 1 });
    expect(validation.length).toBe(20);
    expect(train.length).toBe(80);
    const all = [...train.indices, ...validation.indices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const s of [train, validation]) {
      const ids = Array.from(s.indices);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
    // not simply the first or last 20
    expect(Array.from(validation.indices)).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(validation.indices)).not.toEqual(
      Array.from({ length: 20 }, (_, i) => 80 + i),
    );
  });

  it('is reproducible from its seed and changes with it', () => {
    const ids = (seed: number) =>
      Array.from(trainValidationSplit(source, { validation: 10, seed }).validation.indices);
    expect(ids(5)).toEqual(ids(5));
    expect(ids(6)).not.toEqual(ids(5));
    const fromRng = trainValidationSplit(source, { validation: 10, rng: createRng(5) });
    expect(fromRng.validation.length).toBe(10);
  });

  it('accepts counts from 0 to the whole set and rejects anything else', () => {
    expect(trainValidationSplit(source, { validation: 0, seed: 1 }).validation.length).toBe(0);
    expect(trainValidationSplit(source, { validation: 100, seed: 1 }).train.length).toBe(0);
    expect(() => trainValidationSplit(source, { validation: 101, seed: 1 })).toThrow(
      'validation must be a fraction in (0, 1) or an item count in [0, 100], got 101',
    );
    expect(() => trainValidationSplit(source, { validation: 1.5, seed: 1 })).toThrow('got 1.5');
    expect(() => trainValidationSplit(source, { validation: 0.1 })).toThrow(
      'a seed (or an rng) is required',
    );
  });
});
