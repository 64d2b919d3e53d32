import { defineConfig } from 'tsup';

export default defineConfig({
  // The root entry is browser-safe; `node` holds the fs/zlib/module-resolution parts.
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  // Shared code goes into one chunk in both formats, so `instanceof IdxFormatError` holds across
  // the two entries; `shims` gives the CJS build an `import.meta.url` for module resolution.
  splitting: true,
  shims: true,
});
