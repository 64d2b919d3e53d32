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
export type { Operand } from './ops/binary.js';
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  equal,
  notEqual,
  greater,
  greaterEqual,
  less,
  lessEqual,
} from './ops/binary.js';
export { neg, abs, exp, log, sqrt } from './ops/unary.js';
export { where } from './ops/where.js';
export type { ReduceOptions } from './ops/reduce.js';
export { sum, mean, max, min, argmax } from './ops/reduce.js';
export { transpose } from './ops/transpose.js';
export { concat } from './ops/concat.js';
export type { AllCloseOptions } from './all-close.js';
export { allClose } from './all-close.js';
