export { accuracy } from './accuracy.js';
export {
  BinaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogits,
} from './binary-cross-entropy-with-logits.js';
export type { ClassTarget, Loss, LossOutput } from './loss.js';
export { MeanSquaredError, mse } from './mse.js';
export { NegativeLogLikelihood, nll } from './nll.js';
export { logSoftmax, softmax } from './softmax.js';
export type {
  SoftmaxCrossEntropyCallOptions,
  SoftmaxCrossEntropyOptions,
} from './softmax-cross-entropy.js';
export { SoftmaxCrossEntropy, softmaxCrossEntropy } from './softmax-cross-entropy.js';
