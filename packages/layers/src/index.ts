export type { AvgPool2dOptions } from './avg-pool2d.js';
export { AvgPool2d } from './avg-pool2d.js';
export type { BatchNormOptions } from './batch-norm.js';
export { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
export { assertFloat, assertGradOut, lastForward } from './checks.js';
export type { Conv2dOptions } from './conv2d.js';
export { CONV_COLUMNS_LIMIT, Conv2d } from './conv2d.js';
export { Dropout } from './dropout.js';
export { ElementwiseActivation } from './elementwise-activation.js';
export { Flatten } from './flatten.js';
export type {
  BackwardOptions,
  ForwardContext,
  Layer,
  LayerBuffer,
  TensorStateDict,
} from './layer.js';
export type { LeakyReLUOptions } from './leaky-relu.js';
export { LeakyReLU } from './leaky-relu.js';
export type { LinearOptions } from './linear.js';
export { Linear } from './linear.js';
export type { PoolOptions } from './max-pool2d.js';
export { MaxPool2d } from './max-pool2d.js';
export { ReLU } from './relu.js';
export { Sequential } from './sequential.js';
export { Sigmoid } from './sigmoid.js';
export { Softmax } from './softmax.js';
export type { Pair } from './spatial.js';
export { checkStateDict, loadParameterState, parameterStateDict } from './state-dict.js';
export { Tanh } from './tanh.js';
