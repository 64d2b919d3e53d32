import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The TensorFlow.js backends we compare against (tfjs-node is deliberately not used). */
export type TfjsBackend = 'cpu' | 'wasm';

let wasmPathsSet = false;

/**
 * Switches TensorFlow.js to `backend` and waits until it is ready. The wasm binaries are read
 * from the installed package's `dist/` folder on disk, so no network is needed.
 */
export async function useTfjs(backend: TfjsBackend): Promise<void> {
  // Production mode: no debug checks, and no "install tfjs-node" banner in the output.
  tf.enableProdMode();
  if (backend === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(`${dist}/`);
    // Only takes effect when the runtime supports wasm threads (web workers); Node does not, so
    // tfjs falls back to the single-threaded SIMD binary. `tfjsInfo` reports what it did.
    setThreadsCount(2);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs: could not initialise the ${backend} backend`);
  await tf.ready();
}

/** What the current TensorFlow.js backend runs on, for the report. */
export function tfjsInfo(): string {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return `tfjs ${tf.version.tfjs} ${backend}`;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs ${tf.version.tfjs} wasm (simd: ${simd ? 'yes' : 'no'}, threads: ${
    threads ? getThreadsCount() : '1, multithreading unsupported here'
  })`;
}

export { tf };
