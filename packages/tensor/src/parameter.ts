import type { FloatDType } from './dtype.js';
import { allocate } from './dtype.js';
import { Tensor } from './tensor.js';

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

/** A parameter named `name` over `value` (kept, not copied) with a zeroed gradient buffer. */
export function createParameter<D extends FloatDType>(
  name: string,
  value: Tensor<D>,
): Parameter<D> {
  return {
    name,
    value,
    grad: new Tensor(value.dtype, allocate(value.dtype, value.size), value.shape),
  };
}

/** The same parameter under another name (same tensors), e.g. prefixed by a container. */
export function renameParameter<D extends FloatDType>(p: Parameter<D>, name: string): Parameter<D> {
  return { name, value: p.value, grad: p.grad };
}

/** Sets every gradient buffer to zero (for when gradients are accumulated across calls). */
export function zeroGrad(parameters: readonly Parameter[]): void {
  for (const p of parameters) p.grad.data.fill(0);
}
