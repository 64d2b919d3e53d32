// The contract-check primitives live in @nabla/tensor/testing; re-exported so this entry keeps
// offering everything a suite's user needs.
export type { ContractCheck } from '@nabla/tensor/testing';
export { ContractError, runChecks } from '@nabla/tensor/testing';
export type { LayerContractOptions, LayerValue } from './layer-contract.js';
export { awayFromZero, layerContract } from './layer-contract.js';
