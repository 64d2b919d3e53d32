import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  treeshake: true,
  // onnx-buf (the ONNX schema compiled for @bufbuild/protobuf) is published as ES modules only:
  // bundle its descriptors so that the CommonJS build works on every Node 20.
  noExternal: ['onnx-buf'],
});
