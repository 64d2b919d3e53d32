export type { DType, FloatDType, DataTypeMap, TypedArrayFor, FloatArray, AnyTypedArray } from './dtype.js';
export { allocate, dtypeOf, isDType } from './dtype.js';
export type { Shape } from './shape.js';
export { ShapeError, formatShape, broadcastShapes, shapesEqual, sizeOf } from './shape.js';
export type { NestedArray, FloatTensor } from './tensor.js';
export { Tensor } from './tensor.js';
export {
  tensor,
  fromTypedArray,
  full,
  zeros,
  ones,
  fullLike,
  zerosLike,
  onesLike,
  arange,
  eye,
  assertShape,
} from './creation.js';
export type { Rng, RandomOptions } from './random.js';
export {
  createRng,
  randomInt,
  randomNormal,
  permutation,
  uniform,
  normal,
  glorotUniform,
  glorotNormal,
  heNormal,
  heUniform,
} from './random.js';
export type { Parameter } from './parameter.js';
export { createParameter, renameParameter, zeroGrad } from './parameter.js';
export type { BackendName } from './kernels/backend.js';
export { setBackend, backendName } from './kernels/backend.js';
export type { MatmulOptions } from './ops/matmul.js';
export { matmul } from './ops/matmul.js';
export type {
  Optimizer,
  OptimizerFactory,
  OptimizerOptions,
  StateDict,
  StateValue,
} from './optimizer.js';
