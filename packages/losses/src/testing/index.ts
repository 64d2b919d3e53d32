// The contract-check primitives live in @nabla/tensor/testing; re-exported so this entry keeps
// offering everything a suite's user needs.
export type { ContractCheck } from '@nabla/tensor/testing';
export { ContractError, runChecks } from '@nabla/tensor/testing';
export type { LossContractOptions, LossValue } from './loss-contract.js';
export { lossContract } from './loss-contract.js';
export { randomLabels, randomProbabilities } from './targets.js';
