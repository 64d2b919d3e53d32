import { constants, gunzipSync as zlibGunzipSync } from 'node:zlib';
import { gunzip } from '../decode-idx.js';
import { IdxFormatError } from '../errors.js';
import { type IdxArray, isGzip, type ParseIdxOptions, parseIdx, toBytes } from '../idx.js';
import { DEFAULT_MAX_IDX_BYTES, declaredIdxLength } from '../idx-size-limit.js';

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const asBytes = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** The first inflated bytes of a gzip stream (enough for any IDX header), or empty. */
function inflatedHead(bytes: Uint8Array): Uint8Array {
  try {
    return asBytes(
      zlibGunzipSync(bytes.subarray(0, 4096), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: 1 << 20,
      }),
    );
  } catch {
    return new Uint8Array(0);
  }
}

/**
 * Decompresses gzip bytes with node:zlib; a bad stream throws IdxFormatError('corrupt-gzip').
 * Inflates at most the size the IDX header at the start of the output declares (or `maxBytes`,
 * default 1 GiB, when the output is not IDX); past that it throws IdxFormatError('too-large').
 */
export function gunzipSync(
  input: Uint8Array | ArrayBuffer,
  source?: string,
  maxBytes: number = DEFAULT_MAX_IDX_BYTES,
): Uint8Array {
  const bytes = toBytes(input, 'gunzipSync');
  const declared = declaredIdxLength(inflatedHead(bytes));
  if (declared !== undefined && declared > maxBytes) {
    throw new IdxFormatError(
      'too-large',
      `the IDX header declares ${declared} bytes, over the limit of ${maxBytes} bytes (maxBytes); nothing more was inflated`,
      0,
      source,
    );
  }
  const limit = declared === undefined ? maxBytes : declared;
  try {
    return asBytes(zlibGunzipSync(bytes, { maxOutputLength: limit }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      const why =
        declared === undefined
          ? `the limit of ${maxBytes} bytes (maxBytes)`
          : `the ${declared} bytes its IDX header declares`;
      throw new IdxFormatError(
        'too-large',
        `the gzip stream inflates to more than ${why}; stopped after inflating ${limit} bytes`,
        limit,
        source,
      );
    }
    throw new IdxFormatError('corrupt-gzip', `corrupt gzip stream: ${describe(error)}`, 0, source);
  }
}

/**
 * The same as {@link gunzipSync}, asynchronously: the stream is inflated chunk by chunk and
 * stopped as soon as it passes the declared size.
 */
export function gunzipAsync(
  input: Uint8Array | ArrayBuffer,
  source?: string,
  maxBytes: number = DEFAULT_MAX_IDX_BYTES,
): Promise<Uint8Array> {
  return gunzip(toBytes(input, 'gunzipAsync'), source, maxBytes);
}

/** Parses an IDX file that may be gzipped, synchronously (node:zlib). */
export function decodeIdxSync(
  input: Uint8Array | ArrayBuffer,
  options: ParseIdxOptions = {},
): IdxArray {
  const bytes = toBytes(input, 'decodeIdxSync');
  if (!isGzip(bytes)) return parseIdx(bytes, options);
  return parseIdx(gunzipSync(bytes, options.source, options.maxBytes), {
    ...options,
    copy: false,
  });
}
