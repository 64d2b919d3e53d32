import { gunzip as gunzipCallback, gunzipSync as zlibGunzipSync } from 'node:zlib';
import { IdxFormatError } from '../errors.js';
import { type IdxArray, isGzip, type ParseIdxOptions, parseIdx, toBytes } from '../idx.js';

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const asBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** Decompresses gzip bytes with node:zlib; a bad stream throws IdxFormatError('corrupt-gzip'). */
export function gunzipSync(input: Uint8Array | ArrayBuffer, source?: string): Uint8Array {
  const bytes = toBytes(input, 'gunzipSync');
  try {
    return asBytes(zlibGunzipSync(bytes));
  } catch (error) {
    throw new IdxFormatError('corrupt-gzip', `corrupt gzip stream: ${describe(error)}`, 0, source);
  }
}

/** The same as {@link gunzipSync}, on zlib's thread pool. */
export function gunzipAsync(input: Uint8Array | ArrayBuffer, source?: string): Promise<Uint8Array> {
  const bytes = toBytes(input, 'gunzipAsync');
  return new Promise((resolve, reject) => {
    gunzipCallback(bytes, (error, result) => {
      if (error) {
        reject(
          new IdxFormatError('corrupt-gzip', `corrupt gzip stream: ${describe(error)}`, 0, source),
        );
      } else resolve(asBytes(result));
    });
  });
}

/** Parses an IDX file that may be gzipped, synchronously (node:zlib). */
export function decodeIdxSync(
  input: Uint8Array | ArrayBuffer,
  options: ParseIdxOptions = {},
): IdxArray {
  const bytes = toBytes(input, 'decodeIdxSync');
  if (!isGzip(bytes)) return parseIdx(bytes, options);
  return parseIdx(gunzipSync(bytes, options.source), { ...options, copy: false });
}
