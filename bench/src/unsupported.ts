/** A case a system could not run, and why: reported in the tables and the JSON. */
export interface Unsupported {
  readonly bench: string;
  readonly system: string;
  readonly reason: string;
}

/**
 * The table cell of an unsupported case: `unsupported (no <Kernel>)` when TFJS named a missing
 * kernel, `not measured` for a case left out on purpose, else `unsupported`.
 */
export function unsupportedCell(reason: string): string {
  const kernel = reason.match(/Kernel '([^']+)' not registered/)?.[1];
  if (kernel !== undefined) return `unsupported (no ${kernel})`;
  return reason.startsWith('not measured') ? 'not measured' : 'unsupported';
}
