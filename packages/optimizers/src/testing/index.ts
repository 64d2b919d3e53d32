export type { ConformanceCheck, OptimizerConformanceOptions } from './optimizer-conformance.js';
export { optimizerConformance } from './optimizer-conformance.js';
