import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAlias } from '../../vitest.shared.js';

const dataNode = fileURLToPath(new URL('../../packages/data/src/node/index.ts', import.meta.url));

export default defineConfig({
  // `@nabla/data/node` is not in the shared aliases yet: map it to its source as well, so that
  // the tests use one copy of @nabla/tensor (the source one) throughout.
  resolve: { alias: [{ find: /^@nabla\/data\/node$/, replacement: dataNode }, ...workspaceAlias] },
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
});
