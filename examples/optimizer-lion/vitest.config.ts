import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAlias } from '../../vitest.shared.js';

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@nabla\/optimizers\/testing$/,
        replacement: fileURLToPath(
          new URL('../../packages/optimizers/src/testing/index.ts', import.meta.url),
        ),
      },
      ...workspaceAlias,
    ],
  },
  test: { include: ['src/**/*.test.ts'] },
});
