import { fileURLToPath } from 'node:url';

interface Alias {
  find: RegExp;
  replacement: string;
}

const src = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/**
 * Tests import sibling packages from their TypeScript sources, so a test run never depends on a
 * stale `dist/`. The published entry points themselves are checked by `check:pkg` (publint, attw).
 */
export const workspaceAlias: Alias[] = [
  // Subpath entries first, each before its package's root entry.
  { find: /^@nabla\/tensor\/testing$/, replacement: src('tensor/src/testing/index.ts') },
  { find: /^@nabla\/tensor$/, replacement: src('tensor/src/index.ts') },
  { find: /^@nabla\/layers\/testing$/, replacement: src('layers/src/testing/index.ts') },
  { find: /^@nabla\/layers$/, replacement: src('layers/src/index.ts') },
  { find: /^@nabla\/losses\/testing$/, replacement: src('losses/src/testing/index.ts') },
  { find: /^@nabla\/losses$/, replacement: src('losses/src/index.ts') },
  { find: /^@nabla\/optimizers\/testing$/, replacement: src('optimizers/src/testing/index.ts') },
  { find: /^@nabla\/optimizers$/, replacement: src('optimizers/src/index.ts') },
  { find: /^@nabla\/data\/node$/, replacement: src('data/src/node/index.ts') },
  { find: /^@nabla\/data$/, replacement: src('data/src/index.ts') },
  { find: /^@nabla\/interop$/, replacement: src('interop/src/index.ts') },
];
