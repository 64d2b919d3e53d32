import { permutation, type Rng } from '@nabla/tensor';
import type { BatchDataset } from './dataset.js';
import { resolveRng } from './rng-options.js';
import { Subset } from './subset.js';

/** Options of `trainValidationSplit`: the size of the validation part and the seed of the split. */
export interface SplitOptions {
  /** The validation share: a fraction in (0, 1), or a count of items (an integer in [0, length]). */
  validation: number;
  /** Seed of the shuffle that decides which items go where. Give `seed` or `rng`. */
  seed?: number | undefined;
  /** A generator to draw the shuffle from (advanced by the call), instead of `seed`. */
  rng?: Rng | undefined;
}

/** The number of validation items `validation` asks for out of `length`. */
function validationCount(validation: number, length: number): number {
  if (validation > 0 && validation < 1) return Math.round(validation * length);
  if (Number.isInteger(validation) && validation >= 0 && validation <= length) return validation;
  throw new RangeError(
    `trainValidationSplit: validation must be a fraction in (0, 1) or an item count in [0, ${length}], got ${validation}`,
  );
}

/**
 * Splits a data set at random into disjoint training and validation subsets that together hold
 * every item once. The same seed gives the same split; each subset keeps the source's order.
 */
export function trainValidationSplit<T, B>(
  source: BatchDataset<T, B>,
  options: SplitOptions,
): { train: Subset<T, B>; validation: Subset<T, B> } {
  const n = source.length;
  const count = validationCount(options.validation, n);
  const rng = resolveRng(options, 'trainValidationSplit');
  const order = permutation(rng, n);
  const validation = order.slice(0, count).sort();
  const train = order.slice(count).sort();
  return { train: new Subset(source, train), validation: new Subset(source, validation) };
}
