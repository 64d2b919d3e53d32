import type { FloatDType, Shape, Tensor } from '@nabla/tensor';
import { formatShape, ShapeError, shapesEqual } from '@nabla/tensor';

// Input checks shared by the built-in layers, so that every error names the layer.

/** Throws unless `x` is a float32/float64 tensor. */
export function assertFloat(
  layer: string,
  what: string,
  x: Tensor,
): asserts x is Tensor<FloatDType> {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TypeError(
      `${layer}: ${what} must be a float32 or float64 tensor, got ${x.dtype} ${formatShape(x.shape)}`,
    );
  }
}

/** The value cached by the last forward, or an error saying backward came first. */
export function lastForward<T>(layer: string, cached: T | undefined): T {
  if (cached === undefined) {
    throw new Error(
      `${layer}: backward called before forward (backward uses what the last forward cached)`,
    );
  }
  return cached;
}

/** Throws unless the incoming gradient has the shape and dtype of the last output. */
export function assertGradOut(
  layer: string,
  gradOut: Tensor,
  shape: Shape,
  dtype: FloatDType,
): void {
  if (!shapesEqual(gradOut.shape, shape)) {
    throw new ShapeError(
      `${layer}: backward got a gradient of shape ${formatShape(gradOut.shape)}, but the last forward produced ${formatShape(shape)}`,
    );
  }
  if (gradOut.dtype !== dtype) {
    throw new TypeError(`${layer}: backward got a ${gradOut.dtype} gradient for a ${dtype} output`);
  }
}
