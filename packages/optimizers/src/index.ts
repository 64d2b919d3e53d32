export type { AdagradHyperparameters, AdagradOptions } from './adagrad.js';
export { Adagrad } from './adagrad.js';
export type { AdamHyperparameters, AdamOptions } from './adam.js';
export { Adam } from './adam.js';
export type { AdamWOptions } from './adamw.js';
export { AdamW } from './adamw.js';
export type { Hyperparameters, HyperparameterValue, ParameterBuffers } from './base-optimizer.js';
export { BaseOptimizer } from './base-optimizer.js';
export type { ClipGradNormOptions } from './clip-grad.js';
export { clipGradNorm, clipGradValue } from './clip-grad.js';
export type { BuiltinOptimizerName, LoadOptimizerOptions, MomentumOptions } from './registry.js';
export {
  builtinOptimizerNames,
  getOptimizerFactory,
  isBuiltinOptimizerName,
  loadOptimizerFactory,
  optimizerFactories,
  optimizerFactoryFromModule,
} from './registry.js';
export type { RMSpropHyperparameters, RMSpropOptions } from './rmsprop.js';
export { RMSprop } from './rmsprop.js';
export type {
  CosineAnnealingLROptions,
  CosineAnnealingLRSettings,
} from './schedulers/cosine-annealing-lr.js';
export { CosineAnnealingLR } from './schedulers/cosine-annealing-lr.js';
export type { ExponentialLROptions, ExponentialLRSettings } from './schedulers/exponential-lr.js';
export { ExponentialLR } from './schedulers/exponential-lr.js';
export type { LinearLROptions, LinearLRSettings } from './schedulers/linear-lr.js';
export { LinearLR } from './schedulers/linear-lr.js';
export type {
  EpochSchedulerOptions,
  LrScheduler,
  SchedulerSettings,
} from './schedulers/lr-scheduler.js';
export { EpochLrScheduler } from './schedulers/lr-scheduler.js';
export type {
  ReduceLROnPlateauOptions,
  ReduceLROnPlateauSettings,
} from './schedulers/reduce-lr-on-plateau.js';
export { ReduceLROnPlateau } from './schedulers/reduce-lr-on-plateau.js';
export type { SchedulerFactory, SequentialLROptions } from './schedulers/sequential-lr.js';
export { SequentialLR } from './schedulers/sequential-lr.js';
export type { StepLROptions, StepLRSettings } from './schedulers/step-lr.js';
export { StepLR } from './schedulers/step-lr.js';
export type { SGDHyperparameters, SGDOptions } from './sgd.js';
export { SGD } from './sgd.js';
