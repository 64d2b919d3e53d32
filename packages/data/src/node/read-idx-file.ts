import { open } from 'node:fs/promises';
import { IdxFormatError } from '../errors.js';
import { type IdxArray, isGzip, parseIdx } from '../idx.js';
import { DEFAULT_MAX_IDX_BYTES } from '../idx-size-limit.js';
import { gunzipAsync } from './decode-idx-sync.js';

/**
 * Reads and parses an IDX file from disk, raw or gzipped (recognised by content, not by name).
 * Error messages start with the path. uint8/int8 data is a view of the bytes read, not a copy.
 * A file larger than `maxBytes` (default 1 GiB) is refused before it is read, and a gzipped one
 * is inflated no further than its IDX header declares (code `'too-large'`).
 */
export async function readIdxFile(
  path: string,
  options: { maxBytes?: number | undefined } = {},
): Promise<IdxArray> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  const handle = await open(path, 'r');
  let buffer: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new IdxFormatError(
        'too-large',
        `the file is ${size} bytes, over the limit of ${maxBytes} bytes (maxBytes)`,
        0,
        path,
      );
    }
    buffer = await handle.readFile();
  } finally {
    await handle.close();
  }
  let bytes: Uint8Array = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (isGzip(bytes)) bytes = await gunzipAsync(bytes, path, maxBytes);
  return parseIdx(bytes, { source: path });
}
