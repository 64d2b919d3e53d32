import type { FloatDType } from './dtype.js';
import { residentCopy, residentZeros } from './resident.js';
import type { Tensor } from './tensor.js';

/**
 * A trainable tensor and its gradient buffer: the contract layers expose and optimizers update.
 * `value` and `grad` always have the same shape and dtype. Layers write `grad` in backward;
 * optimizers read it and update `value` in place.
 */
export interface Parameter<D extends FloatDType = FloatDType> {
  /** A stable dotted name, e.g. `weight`, or `0.weight` inside a Sequential. */
  readonly name: string;
  readonly value: Tensor<D>;
  readonly grad: Tensor<D>;
}

/**
 * A parameter named `name` with a copy of `value` (`value` itself is not kept) and a zeroed
 * gradient buffer. Both live in the engine's memory when the backend allows (see
 * `residentZeros`), where matmul and the optimizers use them without copies.
 */
export function createParameter<D extends FloatDType>(
  name: string,
  value: Tensor<D>,
): Parameter<D> {
  return { name, value: residentCopy(value), grad: residentZeros(value.shape, value.dtype) };
}

/** The same parameter under another name (same tensors), e.g. prefixed by a container. */
export function renameParameter<D extends FloatDType>(p: Parameter<D>, name: string): Parameter<D> {
  return { name, value: p.value, grad: p.grad };
}

/** Sets every gradient buffer to zero (for when gradients are accumulated across calls). */
export function zeroGrad(parameters: readonly Parameter[]): void {
  for (const p of parameters) p.grad.data.fill(0);
}
