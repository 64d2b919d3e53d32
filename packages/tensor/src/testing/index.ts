export type { ContractCheck } from './contract-check.js';
export { ContractError, runChecks } from './contract-check.js';
export type { GradCheckOptions, GradCheckResult } from './grad-check.js';
export { gradCheck } from './grad-check.js';
