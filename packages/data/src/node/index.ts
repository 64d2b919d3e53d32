export { decodeIdxSync, gunzipAsync, gunzipSync } from './decode-idx-sync.js';
export type { LoadMnistOptions } from './load-mnist.js';
export { loadMnist, loadMnistSplit, mnistDataDir } from './load-mnist.js';
export { readIdxFile } from './read-idx-file.js';
