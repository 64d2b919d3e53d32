import { IdxFormatError } from './errors.js';
import { type IdxArray, isGzip, type ParseIdxOptions, parseIdx, toBytes } from './idx.js';
import { concat, DEFAULT_MAX_IDX_BYTES, IdxInflateLimit } from './idx-size-limit.js';

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Decompresses a gzip stream with the platform's `DecompressionStream` (browsers, Node ≥ 18,
 * Deno, Bun). A stream that does not decompress throws an {@link IdxFormatError} with code
 * `'corrupt-gzip'`. When the output is an IDX file, decompression stops as soon as it passes the
 * size the IDX header declares, or `maxBytes` (default 1 GiB), with code `'too-large'`: a small
 * file that inflates to gigabytes (a "gzip bomb") never holds more than that in memory.
 */
export async function gunzip(
  input: Uint8Array | ArrayBuffer,
  source?: string,
  maxBytes: number = DEFAULT_MAX_IDX_BYTES,
): Promise<Uint8Array> {
  const limit = new IdxInflateLimit(maxBytes, source);
  const bytes = toBytes(input, 'gunzip');
  if (typeof DecompressionStream !== 'function') {
    throw new Error(
      'gunzip: this platform has no DecompressionStream; decompress the file yourself or use decodeIdxSync() from @nabla/data/node',
    );
  }
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Write and read at the same time: the writable side waits until the readable side drains.
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  // A failed write also errors the readable side, which is where it is reported.
  written.catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      limit.add(value);
      chunks.push(value);
      total += value.length;
    }
    await written;
  } catch (error) {
    if (error instanceof IdxFormatError) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    throw new IdxFormatError('corrupt-gzip', `corrupt gzip stream: ${describe(error)}`, 0, source);
  }
  return concat(chunks, total);
}

/**
 * Parses an IDX file that may be gzipped (`.gz`, as the MNIST mirrors publish it): gzip input is
 * recognised by its magic number and decompressed first, then parsed with {@link parseIdx}.
 * Works in browsers and in Node.
 */
export async function decodeIdx(
  input: Uint8Array | ArrayBuffer,
  options: ParseIdxOptions = {},
): Promise<IdxArray> {
  const bytes = toBytes(input, 'decodeIdx');
  if (!isGzip(bytes)) return parseIdx(bytes, options);
  return parseIdx(await gunzip(bytes, options.source, options.maxBytes), {
    ...options,
    copy: false,
  });
}
