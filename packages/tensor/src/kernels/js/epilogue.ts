import type { FloatArray } from '../../dtype.js';
import { EPILOGUE, type Epilogue } from '../kernels.js';

/** Whether `y` (a ReLU output of the bias-and-ReLU epilogue) says its input was ≥ 0. */
function passes(y: number): boolean {
  return y > 0 || (y === 0 && 1 / y > 0);
}

/**
 * The reference of the product epilogues (see `Epilogue`) over the m×n matrix `c`: the JS kernels
 * run it after their sum, and the wasm kernels compute the same values tile by tile.
 */
export function jsEpilogue(
  c: FloatArray,
  m: number,
  n: number,
  kind: Epilogue,
  operand: FloatArray,
): void {
  if (kind === EPILOGUE.reluMask) {
    for (let i = 0; i < m * n; i++) if (!passes(operand[i] as number)) c[i] = 0;
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      let v = (c[row + j] as number) + (operand[j] as number);
      if (kind === EPILOGUE.biasRelu) {
        // Round to c's precision first, as the wasm kernel adds in float32.
        c[row + j] = v;
        v = (c[row + j] as number) + 0;
        if (v < 0) v = -0;
      }
      c[row + j] = v;
    }
  }
}
