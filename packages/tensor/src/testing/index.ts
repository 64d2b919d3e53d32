export type { GradCheckOptions, GradCheckResult } from './grad-check.js';
export { gradCheck } from './grad-check.js';
