export type { ContractCheck } from './contract-check.js';
export { ContractError, runChecks } from './contract-check.js';
export type { LayerContractOptions } from './layer-contract.js';
export { awayFromZero, layerContract } from './layer-contract.js';
