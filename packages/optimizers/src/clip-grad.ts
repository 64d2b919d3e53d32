import type { Parameter } from '@nabla/tensor';

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm: a number > 0, or `Infinity` for the largest absolute value. Default 2. */
  normType?: number | undefined;
  /**
   * Throw when the total norm is NaN or infinite instead of writing NaN into every gradient.
   * Default true (PyTorch's `error_if_nonfinite` defaults to false).
   */
  errorIfNonfinite?: boolean | undefined;
}

function checkParams(owner: string, parameters: readonly Parameter[]): void {
  if (!Array.isArray(parameters)) {
    throw new TypeError(`${owner}: parameters must be an array of Parameter`);
  }
}

/**
 * Rescales the gradients of `parameters` in place so that their total norm (the norm of all
 * gradients concatenated) is at most `maxNorm`, like `torch.nn.utils.clip_grad_norm_`:
 * every gradient is multiplied by min(1, maxNorm / (total + 1e-6)).
 *
 * Unlike an optimizer's `step()`, this writes the gradients: that is its purpose. Call it
 * between the backward pass and `step()`. Returns the total norm before clipping.
 */
export function clipGradNorm(
  parameters: readonly Parameter[],
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const owner = 'clipGradNorm';
  checkParams(owner, parameters);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new RangeError(`${owner}: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  }
  const p = options.normType ?? 2;
  if (typeof p !== 'number' || Number.isNaN(p) || p <= 0) {
    throw new RangeError(`${owner}: normType must be a number > 0 or Infinity, got ${String(p)}`);
  }
  let total = 0;
  if (p === Number.POSITIVE_INFINITY) {
    for (const param of parameters) {
      const g = param.grad.data;
      for (let j = 0; j < g.length; j++) {
        const a = Math.abs(g[j] as number);
        // `a > total` is false for NaN, so keep NaN explicitly: it must not hide.
        if (a > total || Number.isNaN(a)) total = a;
        if (Number.isNaN(total)) break;
      }
    }
  } else {
    let sum = 0;
    for (const param of parameters) {
      const g = param.grad.data;
      if (p === 2) {
        for (let j = 0; j < g.length; j++) {
          const x = g[j] as number;
          sum += x * x;
        }
      } else if (p === 1) {
        for (let j = 0; j < g.length; j++) sum += Math.abs(g[j] as number);
      } else {
        for (let j = 0; j < g.length; j++) sum += Math.abs(g[j] as number) ** p;
      }
    }
    total = p === 2 ? Math.sqrt(sum) : p === 1 ? sum : sum ** (1 / p);
  }
  if (!Number.isFinite(total) && (options.errorIfNonfinite ?? true)) {
    const culprit = parameters.find((param) => param.grad.data.some((x) => !Number.isFinite(x)));
    throw new RangeError(
      `${owner}: the total gradient norm is ${total}${culprit ? ` (parameter ${JSON.stringify(culprit.name)} has a non-finite gradient)` : ''}; pass errorIfNonfinite: false to clip anyway`,
    );
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef !== 1) {
    for (const param of parameters) {
      const g = param.grad.data;
      for (let j = 0; j < g.length; j++) g[j] = (g[j] as number) * coef;
    }
  }
  return total;
}

/**
 * Clamps every gradient element of `parameters` into [−clipValue, clipValue] in place, like
 * `torch.nn.utils.clip_grad_value_`. NaN stays NaN.
 */
export function clipGradValue(parameters: readonly Parameter[], clipValue: number): void {
  const owner = 'clipGradValue';
  checkParams(owner, parameters);
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new RangeError(`${owner}: clipValue must be a number >= 0, got ${String(clipValue)}`);
  }
  for (const param of parameters) {
    const g = param.grad.data;
    for (let j = 0; j < g.length; j++) {
      const x = g[j] as number;
      if (x > clipValue) g[j] = clipValue;
      else if (x < -clipValue) g[j] = -clipValue;
    }
  }
}
