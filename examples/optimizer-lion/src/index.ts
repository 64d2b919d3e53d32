import type { OptimizerFactory } from '@nabla/tensor';
import { Lion, type LionOptions } from './lion.js';

export type { LionOptions } from './lion.js';
export { Lion } from './lion.js';

/** The swappable-optimizer convention: `--optimizer @nabla-examples/optimizer-lion` calls this. */
export const createOptimizer: OptimizerFactory = (parameters, options) =>
  new Lion(parameters, options as LionOptions | undefined);
