import type { FloatDType, Tensor } from '@nabla/tensor';
import { formatShape, getEngine, ShapeError, shapesEqual, zerosLike } from '@nabla/tensor';
import type { ClassTarget } from './loss.js';

// Input checks shared by the losses, so that every error names the loss and what was wrong.

/** Throws unless `x` is a float tensor. */
export function assertFloat(
  loss: string,
  what: string,
  x: Tensor,
): asserts x is Tensor<FloatDType> {
  if (x === null || typeof x !== 'object' || !('dtype' in x)) {
    throw new TypeError(`${loss}: ${what} must be a tensor, got ${String(x)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TypeError(
      `${loss}: ${what} must be a float32 or float64 tensor, got ${x.dtype} ${formatShape(x.shape)}`,
    );
  }
}

/** Throws unless `x` is a non-empty [m, C] float tensor; returns [m, C]. */
export function assertMatrix(loss: string, what: string, x: Tensor): [number, number] {
  assertFloat(loss, what, x);
  if (x.rank !== 2 || x.size === 0) {
    throw new ShapeError(
      `${loss}: ${what} must have shape [batch, classes] with both > 0, got ${formatShape(x.shape)}`,
    );
  }
  return [x.shape[0] as number, x.shape[1] as number];
}

/** The position of flat index `i` in `shape`, for messages: `[3,5]`. */
export function positionOf(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  let rest = i;
  for (let a = shape.length - 1; a >= 0; a--) {
    const d = shape[a] as number;
    idx.unshift(rest % d);
    rest = Math.floor(rest / d);
  }
  return `[${idx.join(',')}]`;
}

/** Throws at the first NaN (and, unless `allowInfinite`, ±Infinity) in `x`. */
export function assertFinite(
  loss: string,
  what: string,
  x: Tensor<FloatDType>,
  allowNegInfinity = false,
): void {
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (v - v !== 0 && !(allowNegInfinity && v === Number.NEGATIVE_INFINITY)) {
      throw new RangeError(
        `${loss}: ${what} must be finite, found ${v} at ${positionOf(i, x.shape)} of ${formatShape(x.shape)}`,
      );
    }
  }
}

/** Throws unless `a` and `b` have the same shape. */
export function assertSameShape(loss: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${loss}: target has shape ${formatShape(target.shape)} but the input has ${formatShape(input.shape)}`,
    );
  }
}

/**
 * The checks every element-wise loss (`mse`, `binaryCrossEntropyWithLogits`) makes: a float
 * input (called `what` in messages) and float target of the same shape, the input non-empty
 * and finite. What the target's values must be is the loss's own check.
 */
export function assertElementwiseOperands(
  loss: string,
  what: string,
  input: Tensor,
  target: Tensor,
): void {
  assertFloat(loss, what, input);
  assertFloat(loss, 'target', target);
  assertSameShape(loss, input, target);
  if (input.size === 0) throw new ShapeError(`${loss}: the input is empty; the mean is undefined`);
  assertFinite(loss, what, input);
}

/**
 * Checks a class target against [m, C] scores: labels must be int32 [m] in [0, C); one-hot or
 * probability rows must be float [m, C], non-negative, each summing to 1 (±1e-3). Returns
 * whether the target is labels.
 */
export function checkClassTarget(
  loss: string,
  target: ClassTarget,
  m: number,
  c: number,
  inputShape: readonly number[],
): boolean {
  if (target === null || typeof target !== 'object' || !('dtype' in target)) {
    throw new TypeError(
      `${loss}: target must be int32 labels [m] or a float [m, C] tensor, got ${String(target)}`,
    );
  }
  if (target.dtype === 'int32') {
    if (target.rank !== 1 || target.shape[0] !== m) {
      throw new ShapeError(
        `${loss}: got ${target.rank === 1 ? `${target.shape[0]} labels` : `labels of shape ${formatShape(target.shape)}`} for a batch of ${m} (input ${formatShape(inputShape)}); expected int32 labels of shape [${m}]`,
      );
    }
    const labels = target.data;
    for (let i = 0; i < m; i++) {
      const y = labels[i] as number;
      if (y < 0 || y >= c) {
        throw new RangeError(
          `${loss}: label ${y} at index ${i} is out of range for ${c} classes (expected 0 to ${c - 1})`,
        );
      }
    }
    return true;
  }
  if (target.rank !== 2 || target.shape[0] !== m || target.shape[1] !== c) {
    throw new ShapeError(
      `${loss}: a ${target.dtype} target must be one-hot or probability rows of shape [${m},${c}] like the input, got ${formatShape(target.shape)} (use int32 for class labels)`,
    );
  }
  const t = target.data;
  for (let i = 0; i < m; i++) {
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const v = t[i * c + j] as number;
      if (!(v >= 0 && v <= 1)) {
        throw new RangeError(
          `${loss}: target value ${v} at [${i},${j}] is not a probability in [0, 1]`,
        );
      }
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) {
      throw new RangeError(
        `${loss}: target row ${i} sums to ${sum}, expected 1 (one-hot or class probabilities)`,
      );
    }
  }
  return false;
}

/** `out` if given (checked against `like`), else a new zero tensor like `like`. */
export function outputLike<D extends FloatDType>(
  loss: string,
  like: Tensor<D>,
  out: Tensor<D> | undefined,
): Tensor<D> {
  if (out === undefined) return zerosLike(like);
  if (out.dtype !== like.dtype || !shapesEqual(out.shape, like.shape)) {
    throw new ShapeError(
      `${loss}: out is ${out.dtype} ${formatShape(out.shape)}, expected ${like.dtype} ${formatShape(like.shape)} like the input`,
    );
  }
  // The engine's test also sees overlap across the buffers a grown wasm memory hands out.
  if (getEngine().overlapping(out.data, like.data)) {
    throw new RangeError(`${loss}: out must not share memory with the input`);
  }
  return out;
}
