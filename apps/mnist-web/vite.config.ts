import { defineConfig } from 'vite';
import { ISOLATION_HEADERS, mnistAssets } from './mnist-assets.js';

/**
 * The dev server (`pnpm web`) and `vite preview` send the two cross-origin isolation headers, so
 * the training worker gets shared memory and its matmul threads. The built site (`dist/`) is
 * static. A host sending the same headers gives threads; one that does not gives one thread.
 */
export default defineConfig({
  base: './',
  plugins: [mnistAssets()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 1024 },
});
