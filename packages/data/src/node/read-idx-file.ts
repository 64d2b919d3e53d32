import { readFile } from 'node:fs/promises';
import { type IdxArray, isGzip, parseIdx } from '../idx.js';
import { gunzipAsync } from './decode-idx-sync.js';

/**
 * Reads and parses an IDX file from disk, raw or gzipped (recognised by content, not by name).
 * Error messages start with the path. uint8/int8 data is a view of the bytes read, not a copy.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const buffer = await readFile(path);
  let bytes: Uint8Array = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (isGzip(bytes)) bytes = await gunzipAsync(bytes, path);
  return parseIdx(bytes, { source: path });
}
