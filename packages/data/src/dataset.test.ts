import { describe, expect, it } from 'vitest';
import { DataLoader } from './data-loader.js';
import { arrayBatches, type Dataset } from './dataset.js';

const words: Dataset<string> = {
  length: 5,
  get: (i) => ['a', 'b', 'c', 'd', 'e'][i] as string,
};

describe('arrayBatches', () => {
  it('batches any data set as arrays of its items', () => {
    const batched = arrayBatches(words);
    expect(batched.length).toBe(5);
    expect(batched.get(3)).toBe('d');
    const loader = new DataLoader(batched, { batchSize: 2 });
    // each batch is copied before the next one refills the reused array
    expect(Array.from(loader, (b) => [...b])).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });
});
