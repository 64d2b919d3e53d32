export type { AllCloseOptions } from './all-close.js';
export { allClose } from './all-close.js';
export {
  arange,
  assertShape,
  eye,
  fromTypedArray,
  full,
  fullLike,
  ones,
  onesLike,
  tensor,
  zeros,
  zerosLike,
} from './creation.js';
export type {
  AnyTypedArray,
  DataTypeMap,
  DType,
  FloatArray,
  FloatDType,
  TypedArrayFor,
} from './dtype.js';
export { allocate, dtypeOf, isDType } from './dtype.js';
export type { BackendName, Engine, EngineInfo } from './engine/engine.js';
export { ENGINE_PROTOCOL } from './engine/engine.js';
export {
  backendName,
  engineInfo,
  getEngine,
  getThreads,
  setBackend,
  setThreads,
} from './engine/registry.js';
export type {
  DecodeSafetensorsOptions,
  SafetensorsContents,
  SafetensorsErrorCode,
} from './io/safetensors.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError } from './io/safetensors.js';
export type { AdamCoefficients, Epilogue, GemmJob } from './kernels/kernels.js';
export { EPILOGUE } from './kernels/kernels.js';
export type { BinaryOp, Operand } from './ops/binary.js';
export {
  add,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  pow,
  sub,
} from './ops/binary.js';
export { bytesToFloat32 } from './ops/bytes-to-float.js';
export { concat } from './ops/concat.js';
export { fusedAdamUpdate } from './ops/fused-adam.js';
export { fusedSgdUpdate } from './ops/fused-sgd.js';
export type { MatmulOptions } from './ops/matmul.js';
export { matmul } from './ops/matmul.js';
export type { ReduceOptions } from './ops/reduce.js';
export { argmax, max, mean, min, sum } from './ops/reduce.js';
export type { SoftmaxOptions } from './ops/softmax.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { transpose } from './ops/transpose.js';
export { abs, exp, log, neg, sqrt } from './ops/unary.js';
export { where } from './ops/where.js';
export type {
  Optimizer,
  OptimizerFactory,
  OptimizerOptions,
  StateDict,
  StateValue,
} from './optimizer.js';
export type { Parameter } from './parameter.js';
export { createParameter, renameParameter, zeroGrad } from './parameter.js';
export type { RandomOptions, Rng } from './random.js';
export {
  createRng,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  normal,
  permutation,
  randomInt,
  randomNormal,
  uniform,
} from './random.js';
export { releaseResident, residentCopy, residentZeros } from './resident.js';
export { ReusableBuffer } from './reusable-buffer.js';
export type { Shape } from './shape.js';
export { broadcastShapes, formatShape, ShapeError, shapesEqual, sizeOf } from './shape.js';
export type { FloatTensor, NestedArray } from './tensor.js';
export { isTensor, Tensor } from './tensor.js';
