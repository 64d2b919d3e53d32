/**
 * The per-configuration suite of the built-in optimizers' tests (`*.test.ts` only; not part of
 * the package's API): for each labelled set of options, the optimizer must follow its
 * independent float64 reference rule (test-harness.ts) for 100 steps, in float64 and with
 * float32 parameters, and pass the optimizer conformance suite.
 */
import type { Optimizer, OptimizerOptions, Parameter } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  type ReferenceStep,
  runOptimizer,
  runReference,
  totalMovement,
  trajectoryError,
} from './test-harness.js';
import { optimizerConformance } from './testing/index.js';

export function describeReferenceRuns<O extends OptimizerOptions>(
  configs: readonly (readonly [string, O])[],
  create: (parameters: readonly Parameter[], options: O) => Optimizer,
  reference: (options: O) => ReferenceStep,
): void {
  describe.each(configs)('%s', (_label, options) => {
    it('matches the documented update over 100 steps in float64 (relative error < 1e-6)', () => {
      const actual = runOptimizer((p) => create(p, options), 'float64');
      const expected = runReference(reference(options));
      expect(totalMovement(expected)).toBeGreaterThan(0.05);
      const error = trajectoryError(actual, expected);
      expect(error.relative, error.where).toBeLessThan(1e-6);
    });

    it('tracks the float64 reference with float32 parameters', () => {
      const actual = runOptimizer((p) => create(p, options), 'float32');
      const expected = runReference(reference(options), 'float32');
      const error = trajectoryError(actual, expected, 1);
      expect(error.relative, error.where).toBeLessThan(1e-5);
    });

    describe('conformance', () => {
      for (const check of optimizerConformance((p, o) => create(p, { ...options, ...o }))) {
        it(check.name, check.run);
      }
    });
  });
}
