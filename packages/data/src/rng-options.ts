import { createRng, type Rng } from '@nabla/tensor';

/** The generator an options object asks for: its `rng`, or a new one from its `seed`. */
export function resolveRng(options: { seed?: number; rng?: Rng }, op: string): Rng {
  if (options.rng !== undefined && options.seed !== undefined) {
    throw new TypeError(`${op}: give either seed or rng, not both`);
  }
  if (options.rng !== undefined) return options.rng;
  if (options.seed === undefined) {
    throw new TypeError(
      `${op}: a seed (or an rng) is required, so that the result can be reproduced`,
    );
  }
  if (!Number.isInteger(options.seed)) {
    throw new TypeError(`${op}: seed must be an integer, got ${options.seed}`);
  }
  return createRng(options.seed);
}
