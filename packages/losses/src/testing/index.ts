export type { ContractCheck } from './contract-check.js';
export { ContractError, runChecks } from './contract-check.js';
export type { LossContractOptions } from './loss-contract.js';
export { lossContract } from './loss-contract.js';
export { randomLabels, randomProbabilities } from './targets.js';
