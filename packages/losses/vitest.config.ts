import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAlias } from '../../vitest.shared.js';

export default defineConfig({
  resolve: {
    alias: [
      // Tests that play the part of a user import the testing entry by its public name.
      {
        find: /^@nabla\/losses\/testing$/,
        replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
      },
      ...workspaceAlias,
    ],
  },
  test: { include: ['src/**/*.test.ts'] },
});
