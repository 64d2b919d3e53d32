import type { Kernels } from '../kernels.js';
import { jsAdam } from './adam.js';
import { jsMatmul } from './matmul.js';
import { jsSgd } from './sgd.js';

/**
 * The plain-JS kernels: the reference every other path is checked against, for float32 and
 * float64, on every runtime. They always run (never return false).
 */
export const jsKernels: Kernels = {
  name: 'js',
  matmul(job) {
    jsMatmul(job);
    return true;
  },
  adam(value, grad, m, v, vMax, c) {
    jsAdam(value, grad, m, v, vMax, c);
    return true;
  },
  sgd(value, grad, lr) {
    jsSgd(value, grad, lr);
    return true;
  },
};
