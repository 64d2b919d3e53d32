import { jsMatmul } from './js-matmul.js';
import type { Kernels } from './kernels.js';

/** The plain-JS backend: handles float32 and float64, runs everywhere. */
export const jsKernels: Kernels = {
  name: 'js',
  supports: () => true,
  matmul: jsMatmul,
};
