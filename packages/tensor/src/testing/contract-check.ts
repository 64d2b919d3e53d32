/**
 * One named check of a contract suite. `run()` throws (with a message saying what broke) when
 * the implementation under test violates the contract. The suites (`layerContract` in
 * `@nabla/layers/testing`, `lossContract` in `@nabla/losses/testing`, `optimizerConformance` in
 * `@nabla/optimizers/testing`) return plain lists of these, so they run under any test framework:
 *
 * @example
 * for (const check of layerContract({ ... })) it(check.name, check.run);
 */
export interface ContractCheck {
  readonly name: string;
  run(): void;
}

/** Thrown by a failing contract check. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

/** Runs every check and throws the first failure, prefixed with the check's name. */
export function runChecks(checks: readonly ContractCheck[]): void {
  for (const check of checks) {
    try {
      check.run();
    } catch (e) {
      if (e instanceof Error) e.message = `${check.name}: ${e.message}`;
      throw e;
    }
  }
}
