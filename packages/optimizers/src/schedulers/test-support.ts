/**
 * Support for the scheduler tests (`*.test.ts` only; not part of the package's API): a bare
 * optimizer, and PyTorch's schedulers in the recursive ("chainable") form their `get_lr` uses,
 * written out independently of the closed forms the schedulers implement.
 */
import type { Optimizer, StateDict } from '@nabla/tensor';

export function bareOptimizer(lr: number): Optimizer {
  return {
    parameters: [],
    lr,
    step() {},
    stateDict(): StateDict {
      return { lr: this.lr };
    },
    loadStateDict(state: StateDict) {
      this.lr = state.lr as number;
    },
  };
}

/** The rate right after construction, then after each of `epochs` calls to `step()`. */
export function lrSequence(scheduler: { lr: number; step(): void }, epochs: number): number[] {
  const out = [scheduler.lr];
  for (let e = 1; e <= epochs; e++) {
    scheduler.step();
    out.push(scheduler.lr);
  }
  return out;
}

/** Largest |a − b| / |b| over two sequences of the same length (Infinity if lengths differ). */
export function maxRelativeError(actual: readonly number[], expected: readonly number[]): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  expected.forEach((e, i) => {
    const a = actual[i] as number;
    const err = e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e);
    worst = Math.max(worst, Number.isNaN(err) ? Number.POSITIVE_INFINITY : err);
  });
  return worst;
}

/** PyTorch's StepLR.get_lr, which multiplies the current rate (its "chainable" form). */
export function pytorchStepLR(
  base: number,
  stepSize: number,
  gamma: number,
  epochs: number,
): number[] {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    if (e % stepSize === 0) lr = lr * gamma;
    out.push(lr);
  }
  return out;
}

/** PyTorch's ExponentialLR.get_lr (chainable): lr ← lr · gamma each epoch after the first. */
export function pytorchExponentialLR(base: number, gamma: number, epochs: number): number[] {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    lr = lr * gamma;
    out.push(lr);
  }
  return out;
}

/** PyTorch's CosineAnnealingLR.get_lr: the recursive form, including its restart branch. */
export function pytorchCosine(
  base: number,
  tMax: number,
  etaMin: number,
  epochs: number,
): number[] {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      lr = lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    } else {
      lr =
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) *
          (lr - etaMin) +
        etaMin;
    }
    out.push(lr);
  }
  return out;
}

/** PyTorch's LinearLR.get_lr: the recursive form. */
export function pytorchLinear(
  base: number,
  startFactor: number,
  endFactor: number,
  totalIters: number,
  epochs: number,
): number[] {
  let lr = base * startFactor;
  const out = [lr];
  for (let e = 1; e <= epochs; e++) {
    if (e <= totalIters) {
      lr =
        lr *
        (1 +
          (endFactor - startFactor) /
            (totalIters * startFactor + (e - 1) * (endFactor - startFactor)));
    }
    out.push(lr);
  }
  return out;
}
